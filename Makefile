# PinkFlow — `make run` serves the site, `make test` runs the whole suite.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/pinkflow-target
CARGO ?= cargo
BIN := $(CARGO_TARGET_DIR)/debug/pinkflow

APT_PACKAGES := build-essential pkg-config clang libclang-dev libssl-dev \
	libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev \
	libavfilter-dev libavdevice-dev

.PHONY: run build deps test test-unit test-sqlite test-postgres lint fmt bench bench-video migrate

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

build: deps
	$(CARGO) build

## Serve on http://127.0.0.1:8080 with SQLite at ./data/pinkflow.db (migrations run at start).
run: build
	$(BIN) serve

migrate: build
	$(BIN) migrate

## The whole suite: unit + integration on SQLite, then on PostgreSQL + Redis when
## TEST_POSTGRES_URL is set (.ci/run sets it).
test: deps test-sqlite test-postgres

test-sqlite:
	PINKFLOW_TEST_BACKEND=sqlite $(CARGO) test

test-postgres:
	@if [ -n "$$TEST_POSTGRES_URL" ]; then \
	  PINKFLOW_TEST_BACKEND=postgres $(CARGO) test --tests --test '*' -- ; \
	else \
	  echo "PostgreSQL suite skipped: TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/postgres)"; \
	fi

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

fmt:
	$(CARGO) fmt

## Video benchmarks (release build): a 60 s 720p transcode + poster against the ffmpeg
## command (ratio, target <= 1.15; skipped without ffmpeg) and the server's peak memory
## while a 1 GiB upload streams in (target < 64 MiB).
bench-video:
	$(CARGO) build --release --bin pinkflow --example video_bench
	$(CARGO_TARGET_DIR)/release/examples/video_bench

bench: bench-video
