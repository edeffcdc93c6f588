# feedspool — build, test, run and benchmark. Every target installs what it needs.
#
#   make run     build (release) and run on the bundled sample feeds
#   make test    build and run every test
#   make bench   the benchmarks (see bench/README.md)

SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
PREFIX ?= /usr/local
DESTDIR ?=

# System packages the build needs (Debian names), and those only the benchmarks need.
BUILD_DEPS := pkg-config libxml2-dev libcurl4-openssl-dev
BENCH_DEPS := libxml2-utils sfeed hyperfine nginx time curl

.PHONY: all build release run test bench deps bench-deps clean

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

# Until the daemon lands (issue #5), `make run` ingests the bundled sample feeds once
# into ./spool with `feedspool parse --out`.
run: release
	@mkdir -p spool
	.build/release/feedspool parse --out spool config/samples/*.xml config/samples/*.json
	@echo "articles in ./spool:"; ls spool | tail -n 20

bench: bench-deps release
	bash bench/run.sh

clean:
	rm -rf .build bench/out
