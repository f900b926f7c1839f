#!/usr/bin/env bash
# `make check-runtime` (part of `make test-cluster`): the runtime image's packages are
# enough for the binaries. Every shared library the binaries name (ELF NEEDED) must come
# from a Debian package of RUNTIME_PACKAGES (the Makefile's list, which the Dockerfile's
# runtime stage installs, checked here too) or of bookworm-slim's essential base.
# Usage: RUNTIME_PACKAGES="…" deploy/check-runtime.sh BINARY...
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${RUNTIME_PACKAGES:-}" ] || { echo "RUNTIME_PACKAGES is not set" >&2; exit 1; }
BASE_PACKAGES="libc6 libgcc-s1"
failed=0
docker_list="$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' Dockerfile)"
if [ "$(echo "$docker_list" | tr ' ' '\n' | sort)" != "$(echo "$RUNTIME_PACKAGES" | tr ' ' '\n' | sort)" ]; then
  echo "not ok - the Dockerfile's RUNTIME_PACKAGES ($docker_list) differ from the Makefile's ($RUNTIME_PACKAGES)"
  failed=1
else
  echo "ok - the Dockerfile installs the Makefile's RUNTIME_PACKAGES"
fi
for bin in "$@"; do
  for lib in $(readelf -d "$bin" | awk '/NEEDED/ {gsub(/[][]/, "", $5); print $5}'); do
    path="$(ldd "$bin" | awk -v l="$lib" '$1 == l {print $3}')"
    [ -n "$path" ] || path="$lib"
    pkg=""
    # The file as ldd found it, and as dpkg may know it (usrmerge: /lib = /usr/lib).
    for cand in "$path" "$(readlink -f "$path")" "${path#/usr}" "/usr$path" \
      "$(readlink -f "$path" | sed 's|^/usr||')" "/usr$(readlink -f "$path")"; do
      pkg="$(dpkg -S "$cand" 2>/dev/null | head -n1 | cut -d: -f1 || true)"
      [ -n "$pkg" ] && break
    done
    if [ -z "$pkg" ]; then
      echo "not ok - $(basename "$bin"): $lib belongs to no installed package"; failed=1
    elif [[ " $RUNTIME_PACKAGES $BASE_PACKAGES " == *" $pkg "* ]]; then
      echo "ok - $(basename "$bin"): $lib from $pkg"
    else
      echo "not ok - $(basename "$bin"): $lib comes from $pkg, which RUNTIME_PACKAGES lacks"; failed=1
    fi
  done
done
exit "$failed"
