# PinkFlow — `make run` serves the site, `make test` runs the whole suite.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/pinkflow-target
CARGO ?= cargo
BIN := $(CARGO_TARGET_DIR)/debug/pinkflow

APT_PACKAGES := build-essential pkg-config clang libclang-dev libssl-dev \
	libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev \
	libavfilter-dev python3-aiosmtpd

# What the runtime image (Dockerfile) installs: FFmpeg's libraries the helper links, libssl
# for the server, certificates, curl for the HEALTHCHECK. `make check-runtime` proves the
# list covers every library the binaries need and matches the Dockerfile's.
RUNTIME_PACKAGES := ca-certificates curl libssl3 libavcodec59 libavformat59 libavutil57 \
	libavfilter8 libswscale6

.PHONY: run build release runtime-packages check-runtime deps assets test test-sqlite test-postgres test-browser test-browser-postgres chromium lint fmt bench bench-http bench-video bench-search faults migrate cluster test-cluster fuzz-api fuzz-api-smoke fuzz-smoke fuzz

## Install the system packages the build needs (apt-get when root, else print the command).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Missing system packages. Run:"; \
	    echo "  sudo apt-get update && sudo apt-get install -y $$missing"; exit 1; \
	  fi; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "Rust is needed: https://rustup.rs"; exit 1; }

## Front-end assets pinned in package-lock.json (htmx is compiled into the binary by
## build.rs from node_modules). Installs them with `npm ci` when missing.
assets:
	@if [ ! -f node_modules/htmx.org/dist/htmx.min.js ] || [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then \
	  if ! command -v npm >/dev/null; then \
	    if [ "$$(id -u)" = 0 ]; then \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
	    else \
	      echo "npm is needed for the pinned front-end assets: sudo apt-get install -y nodejs npm"; exit 1; \
	    fi; \
	  fi; \
	  npm ci --no-audit --no-fund; \
	fi

build: deps assets
	$(CARGO) build

## The shipped binaries (the Dockerfile's build stage runs exactly this), no debug info:
## $(CARGO_TARGET_DIR)/release/pinkflow and pinkflow-media.
release: deps assets
	$(CARGO) build --release --locked --bin pinkflow --bin pinkflow-media

## The runtime packages, for apt-get install $(make -s runtime-packages).
runtime-packages:
	@echo $(RUNTIME_PACKAGES)

## The runtime packages cover the binaries' libraries (RELEASE=1: the release build).
check-runtime:
	RUNTIME_PACKAGES="$(RUNTIME_PACKAGES)" bash deploy/check-runtime.sh \
	  $(CARGO_TARGET_DIR)/$(if $(RELEASE),release,debug)/pinkflow \
	  $(CARGO_TARGET_DIR)/$(if $(RELEASE),release,debug)/pinkflow-media

## Serve on http://127.0.0.1:8080 with SQLite at ./data/pinkflow.db (migrations run at start).
run: build
	$(BIN) serve

migrate: build
	$(BIN) migrate

## The whole suite: unit + integration on SQLite, then on PostgreSQL + Redis when
## TEST_POSTGRES_URL is set (.ci/run sets it).
test: deps assets test-sqlite test-postgres test-browser test-browser-postgres test-cluster

test-sqlite: assets
	PINKFLOW_TEST_BACKEND=sqlite $(CARGO) test --workspace

test-postgres: assets
	@if [ -n "$$TEST_POSTGRES_URL" ]; then \
	  PINKFLOW_TEST_BACKEND=postgres $(CARGO) test --tests --test '*' -- ; \
	else \
	  echo "PostgreSQL suite skipped: TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/postgres)"; \
	fi

## Browser tests: Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH) driven by playwright-core,
## axe-core, keyboard-only and JavaScript-off journeys, against the real binary on a fresh SQLite
## database per test file. Screenshots land in test-artifacts/screenshots/.
## `make test-browser-postgres` runs the same files on a fresh PostgreSQL database (TEST_POSTGRES_URL)
## and Redis (TEST_REDIS_URL, when set).
NODE_TEST := node --test --test-reporter=tap --test-concurrency=1 tests/browser/

# Debian's Chromium (browsers cannot be downloaded by npm tools here).
chromium:
	@if [ -z "$$CHROMIUM_PATH" ] && ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "Browser tests need Chromium: sudo apt-get install -y chromium"; exit 1; \
	  fi; \
	fi

test-browser: assets chromium
	$(CARGO) build --bin pinkflow --bin pinkflow-media --example test_clip
	PINKFLOW_BIN=$(BIN) $(NODE_TEST)

test-browser-postgres: assets chromium
	@if [ -n "$$TEST_POSTGRES_URL" ]; then \
	  $(CARGO) build --bin pinkflow --bin pinkflow-media --example test_clip && \
	  PINKFLOW_TEST_BACKEND=postgres PINKFLOW_BIN=$(BIN) $(NODE_TEST); \
	else \
	  echo "PostgreSQL browser suite skipped: TEST_POSTGRES_URL is not set"; \
	fi

## The production topology here, without Docker (deploy/cluster.sh): Debian's nginx
## (installed when missing) on https://127.0.0.1:8443 with a self-signed certificate, in
## front of two `pinkflow serve` in production mode on PostgreSQL + Redis and one
## `pinkflow worker`, on a fresh database (pinkflow_cluster). Runs until Ctrl-C.
cluster: build
	bash deploy/cluster.sh

## The cluster tested end to end through nginx (deploy/test-cluster.sh, ~20 s once built):
## sign-in with a Secure cookie, upload, the worker, ranges via X-Accel-Redirect, sign-out
## seen by both instances, an instance SIGKILLed under GETs (0 failures), a backup restored.
## Needs PostgreSQL (TEST_POSTGRES_URL) and Redis (TEST_REDIS_URL); skipped without them.
test-cluster: assets
	@if [ -n "$$TEST_POSTGRES_URL" ]; then \
	  $(CARGO) build --bin pinkflow --bin pinkflow-media --example test_clip && \
	  $(MAKE) --no-print-directory check-runtime && \
	  bash deploy/test-cluster.sh; \
	else \
	  echo "Cluster test skipped: TEST_POSTGRES_URL is not set"; \
	fi

lint: assets
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## Load benchmarks (release build, wrk on loopback, ~5 min): SQLite and PostgreSQL + Redis side
## by side (bare handler, /healthz, token JSON, cached and uncached fragment, sign-in, pages
## during a login storm, memory idle and with 1,000 connections); writes docs/BENCHMARKS.md.
bench-http: deps
	bash bench/run.sh

## Video benchmarks (release build): a 60 s 720p transcode + poster against the ffmpeg
## command (ratio, target <= 1.15; skipped without ffmpeg) and the server's peak memory
## while a 1 GiB upload streams in (target < 64 MiB); writes docs/VIDEO_BENCHMARKS.md.
bench-video:
	bash bench/video.sh

## Search benchmarks (release build, ~10 min): 100,000 seeded videos and 1,000,000 caption
## cues per backend; one word, two words, three filters and the unfiltered first page against
## the bare handler, cached and uncached, and the size of the search indexes; writes
## docs/SEARCH_BENCHMARKS.md.
bench-search:
	bash bench/search.sh

bench: bench-http bench-video bench-search

## Fault injection (release build, loopback, ~2 min, its own throwaway PostgreSQL cluster and
## redis-server): Redis SIGKILLed under load, PostgreSQL restarted under load, a video worker
## SIGKILLed mid-transcode, SIGTERM under load. Prints requests, 5xx, acknowledged writes lost
## and time to recover per scenario, writes docs/FAULTS.md, fails when an expectation fails.
faults: deps
	bash bench/faults.sh

## API fuzzing with schemathesis (installed into $(HOME)/.cache/pinkflow-venv when missing)
## against a debug server on a free port, using the server's own /api/openapi.json:
## every check, at least 1,000 requests, no 5xx. See fuzz/README.md.
fuzz-api: assets
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} FUZZ_MIN_REQUESTS=$${FUZZ_MIN_REQUESTS:-1000} bash fuzz/api/run.sh

## The short version for CI: ~340 requests (fixed seed), seconds once the binary is built.
fuzz-api-smoke: assets
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-10} FUZZ_MIN_REQUESTS=$${FUZZ_MIN_REQUESTS:-100} FUZZ_SEED=$${FUZZ_SEED:-6} bash fuzz/api/run.sh

FUZZ_TARGETS := preferences_json preferences_form rate_limit duration token_decode bearer_header throttle_key webvtt caption_import upload_filename

## Fuzz targets briefly, for CI: on stable through tests/fuzz_smoke.rs (seed corpus plus
## random and mutated inputs, FUZZ_SMOKE_SECS each, a random seed that a failure prints);
## then with libFuzzer for FUZZ_SECS each when cargo-fuzz and a nightly toolchain exist.
fuzz-smoke: assets
	FUZZ_SMOKE_SECS=$${FUZZ_SMOKE_SECS:-3} FUZZ_SMOKE_SEED=$${FUZZ_SMOKE_SEED:-$$(date +%s)} \
	  $(CARGO) test --test fuzz_smoke -- --nocapture
	@if command -v cargo-fuzz >/dev/null && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then \
	  for t in $(FUZZ_TARGETS); do \
	    $(MAKE) --no-print-directory fuzz FUZZ_TARGET=$$t FUZZ_SECS=$${FUZZ_SECS:-5} || exit 1; \
	  done; \
	else \
	  echo "libFuzzer runs skipped: they need cargo-fuzz (cargo install cargo-fuzz) and a nightly toolchain"; \
	fi

## One libFuzzer target, longer, by hand: make fuzz FUZZ_TARGET=token_decode FUZZ_SECS=600
## New inputs go to fuzz/corpus/<target>/ (ignored by git); crashes to fuzz/artifacts/.
fuzz:
	@[ -n "$(FUZZ_TARGET)" ] || { echo "Usage: make fuzz FUZZ_TARGET=<$(FUZZ_TARGETS)> [FUZZ_SECS=600]"; exit 1; }
	$(CARGO) +nightly fuzz run --sanitizer none $(FUZZ_TARGET) -- -max_total_time=$(or $(FUZZ_SECS),600)
