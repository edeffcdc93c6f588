# feedspool — build, test, run and benchmark. Every target installs what it needs.
#
#   make run     build (release) and run the daemon on the bundled sample feeds
#   make install install binaries, the systemd unit and a default config (PREFIX, DESTDIR)
#   make test    build and run every test
#   make stress  the long crash loop (kill -9 at random moments, 120 cycles)
#   make bench   the benchmarks (README.md, "Benchmarks"; results in bench/out/results.md)
#   make fuzz    libFuzzer over the parsers (SECONDS=N each); make test-asan, make test-tsan

SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
PREFIX ?= /usr/local
DESTDIR ?=
# Where install-files takes the binaries from.
BUILD_DIR ?= .build/release

# System packages the build needs (Debian names), and those only the benchmarks need.
BUILD_DEPS := pkg-config libxml2-dev libcurl4-openssl-dev libsqlite3-dev libpq-dev
# What only the tests need: a real PostgreSQL (the harness runs a throwaway cluster).
TEST_DEPS := postgresql
BENCH_DEPS := libxml2-utils sfeed hyperfine nginx time curl postgresql

.PHONY: all build release run test verify-unit install install-files test-systemd stress fuzz test-asan test-tsan bench deps bench-deps clean

all: build

# Installs whatever of $(1) is missing; runs apt-get update once, and only when needed.
define apt_install
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo"; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call apt_install,$(BUILD_DEPS))

bench-deps: deps
	$(call apt_install,$(BENCH_DEPS))

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps
	$(call apt_install,$(TEST_DEPS))
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@$(MAKE) --no-print-directory verify-unit

# The unit file must verify cleanly (no warnings) wherever systemd-analyze exists.
verify-unit:
	@if command -v systemd-analyze >/dev/null; then \
		tmp=$$(mktemp -d); \
		sed "s|/usr/local/bin/|$(CURDIR)/.build/debug/|g" systemd/feedspool.service > $$tmp/feedspool.service; \
		systemd-analyze verify $$tmp/feedspool.service > $$tmp/out 2>&1; rc=$$?; \
		if [ $$rc -ne 0 ] || [ -s $$tmp/out ]; then cat $$tmp/out; rm -rf $$tmp; echo "systemd/feedspool.service does not verify"; exit 1; fi; \
		rm -rf $$tmp; echo "systemd/feedspool.service: systemd-analyze verify clean"; \
	else echo "systemd-analyze not found: unit verification skipped"; fi

# The daemon in the foreground on the bundled sample feeds (config/demo.toml: files, no
# network): articles in ./spool, state in ./state, the control socket in ./run. Ctrl-C stops it.
# In a second terminal: .build/release/feedspool status --config config/demo.toml
run: release
	@echo "feedspoold on config/demo.toml; in another terminal: .build/release/feedspool tail -f --config config/demo.toml"
	.build/release/feedspoold --config config/demo.toml

# Binaries into $(DESTDIR)$(PREFIX)/bin, the unit into /etc/systemd/system, the default
# configuration into /etc/feedspool (never over an existing one), the spool directory, and
# (installing for real, as root) the feedspool system user.
install: release install-files

# The copying part of install, for an already built tree (make test-systemd uses it).
install-files:
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/systemd/system $(DESTDIR)/etc/feedspool
	install -m 0755 $(BUILD_DIR)/feedspoold $(BUILD_DIR)/feedspool $(DESTDIR)$(PREFIX)/bin/
	sed "s|/usr/local/bin/|$(PREFIX)/bin/|g" systemd/feedspool.service > $(DESTDIR)/etc/systemd/system/feedspool.service
	# Shell completions, generated from the command-line definitions themselves.
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(BUILD_DIR)/feedspool --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/feedspool
	$(BUILD_DIR)/feedspool --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_feedspool
	$(BUILD_DIR)/feedspool --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/feedspool.fish
	# Man pages, generated from the programs' help and the annotated default configuration.
	bash tools/man.sh $(BUILD_DIR) $(DESTDIR)$(PREFIX)/share/man/tmp
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	mv $(DESTDIR)$(PREFIX)/share/man/tmp/feedspool.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	mv $(DESTDIR)$(PREFIX)/share/man/tmp/feedspool.toml.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	mv $(DESTDIR)$(PREFIX)/share/man/tmp/feedspoold.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	rmdir $(DESTDIR)$(PREFIX)/share/man/tmp
	chmod 0644 $(DESTDIR)/etc/systemd/system/feedspool.service
	@if [ -e $(DESTDIR)/etc/feedspool/feedspool.toml ]; then \
		echo "$(DESTDIR)/etc/feedspool/feedspool.toml exists: kept (the new default is config/feedspool.toml)"; \
	else install -m 0644 config/feedspool.toml $(DESTDIR)/etc/feedspool/feedspool.toml; fi
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ]; then \
		getent group feedspool >/dev/null || groupadd --system feedspool; \
		getent passwd feedspool >/dev/null || useradd --system --gid feedspool --no-create-home --home-dir /var/lib/feedspool --shell /usr/sbin/nologin feedspool; \
		install -d -o feedspool -g feedspool -m 0750 /var/spool/feedspool; \
		if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
		echo "installed; start with: systemctl enable --now feedspool"; \
	else install -d $(DESTDIR)/var/spool/feedspool; fi

# The unit under a real systemd 252 in a throwaway container (systemd-nspawn), with the
# debug build (the one make test made).
test-systemd: build
	$(call apt_install,systemd-container)
	bash systemd/test/run.sh

# The long crash loops: feedspoold --once, then the running service, each killed with
# SIGKILL 120 times while feeds grow; then the proof that every article is there once.
stress: deps
	$(SWIFT) build --build-tests
	FEEDSPOOL_CRASH_CYCLES=120 $(SWIFT) test --skip-build --filter CrashTests

# The whole suite under AddressSanitizer (+ LeakSanitizer) and ThreadSanitizer, each in a
# build folder of its own; the integration tests run the sanitized binaries too. One test
# at a time: sanitized, the long synchronous integration tests hold the two threads of the
# task pool for minutes, and the asynchronous tests beside them starve past their bounds.
SAN_ENV = FEEDSPOOL_SANITIZED=1 LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan.supp:print_suppressions=0 \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
test-asan: deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	$(SAN_ENV) $(SWIFT) test --skip-build --no-parallel --sanitize=address --scratch-path .build-asan

test-tsan: deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	$(SAN_ENV) $(SWIFT) test --skip-build --no-parallel --sanitize=thread --scratch-path .build-tsan

# libFuzzer with AddressSanitizer over the feed parser, HTML to text, dates, the config
# reader and the control-request decoder: SECONDS each (default 60). See fuzz/run.sh.
SECONDS ?= 60
fuzz: deps
	SECONDS_EACH=$(SECONDS) bash fuzz/run.sh

bench: bench-deps release
	@python3 -c 'import trafilatura' 2>/dev/null || pip install -q trafilatura lxml_html_clean 2>/dev/null || echo "trafilatura not installed: the extraction speed comparison is skipped"
	bash bench/run.sh

clean:
	rm -rf .build .build-asan .build-tsan bench/out fuzz/.build
