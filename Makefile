# feedspool — build, test, run and benchmark. Every target installs what it needs.
#
#   make run     build (release) and run on the bundled sample feeds
#   make test    build and run every test
#   make stress  the long crash loop (kill -9 at random moments, 120 cycles)
#   make bench   the benchmarks (see bench/README.md)

SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
PREFIX ?= /usr/local
DESTDIR ?=

# System packages the build needs (Debian names), and those only the benchmarks need.
BUILD_DEPS := pkg-config libxml2-dev libcurl4-openssl-dev libsqlite3-dev
BENCH_DEPS := libxml2-utils sfeed hyperfine nginx time curl

.PHONY: all build release run test stress bench deps bench-deps clean

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
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Until the long-running daemon lands (issue #5), `make run` polls the bundled sample
# feeds once (config/demo.toml) into ./spool, exactly as cron would run feedspoold.
run: release
	.build/release/feedspoold --once --config config/demo.toml
	@echo "articles in ./spool:"; ls spool | grep -v '^tmp$$' | tail -n 20

# The long crash loop: feedspoold --once killed with SIGKILL 120 times while feeds grow.
stress: deps
	$(SWIFT) build --build-tests
	FEEDSPOOL_CRASH_CYCLES=120 $(SWIFT) test --skip-build --filter CrashTests

bench: bench-deps release
	bash bench/run.sh

clean:
	rm -rf .build bench/out
