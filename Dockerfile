# syntax=docker/dockerfile:1
# PinkFlow: both binaries on Debian bookworm-slim with only FFmpeg's runtime libraries.
#
# No Docker engine runs where PinkFlow is developed, so every step here is a `make` step
# that is run and tested there (see docs/DEPLOY.md):
#   build stage    = `make deps` (APT_PACKAGES), `make assets` (npm ci), `make release`
#   runtime stage  = RUNTIME_PACKAGES, checked by `make check-runtime` (in make test-cluster)
#   HEALTHCHECK    = GET /readyz, as deploy/cluster.sh waits for each instance
#   compose.yaml   = the topology `make cluster` / `make test-cluster` run with Debian's nginx

FROM rust:1.95-bookworm AS build
# `make deps`: the Makefile's APT_PACKAGES; `make assets`: nodejs + npm for npm ci.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential pkg-config clang libclang-dev libssl-dev \
      libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev \
      libavfilter-dev nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a source change does not download them again.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV CARGO_TARGET_DIR=/src/target
# `make release`: the release profile has no debug info (Cargo.toml).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    cargo build --release --locked --bin pinkflow --bin pinkflow-media

FROM debian:bookworm-slim AS runtime
# The Makefile's RUNTIME_PACKAGES (make check-runtime compares the two lists).
ARG RUNTIME_PACKAGES="ca-certificates curl libssl3 libavcodec59 libavformat59 libavutil57 libavfilter8 libswscale6"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $RUNTIME_PACKAGES \
 && rm -rf /var/lib/apt/lists/*
# A dedicated user; the video folder is a volume it owns (nginx reads it: 0755).
RUN groupadd --system --gid 10001 pinkflow \
 && useradd --system --uid 10001 --gid pinkflow --home-dir /var/lib/pinkflow \
      --shell /usr/sbin/nologin pinkflow \
 && install -d -o pinkflow -g pinkflow -m 0755 /var/lib/pinkflow /var/lib/pinkflow/videos
# Side by side: serve and worker find pinkflow-media next to pinkflow.
COPY --from=build /src/target/release/pinkflow /src/target/release/pinkflow-media /usr/local/bin/
USER pinkflow:pinkflow
WORKDIR /var/lib/pinkflow
ENV APP_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    LOG_FORMAT=json \
    VIDEO_UPLOAD_FOLDER=/var/lib/pinkflow/videos
VOLUME ["/var/lib/pinkflow/videos"]
EXPOSE 8080
# Ready = the database answers (/readyz); the worker service overrides this (no port).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${PORT}/readyz" >/dev/null || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/pinkflow"]
CMD ["serve"]
