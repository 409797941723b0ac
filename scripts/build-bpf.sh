#!/usr/bin/env bash
# Compiles every bpf/*.bpf.c into dist/bpf/*.bpf.o; any clang error or warning fails the build, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."

CLANG="${CLANG:-clang}"
if ! command -v "$CLANG" >/dev/null; then
  echo "build-bpf: $CLANG not found (Debian: apt-get install clang llvm libbpf-dev)" >&2
  exit 1
fi
if [ ! -f /usr/include/bpf/bpf_helpers.h ]; then
  echo "build-bpf: libbpf headers not found (Debian: apt-get install libbpf-dev)" >&2
  exit 1
fi

mkdir -p dist/bpf
shopt -s nullglob
sources=(bpf/*.bpf.c)
if [ "${#sources[@]}" -eq 0 ]; then
  echo "build-bpf: no bpf/*.bpf.c sources" >&2
  exit 1
fi
for src in "${sources[@]}"; do
  out="dist/bpf/$(basename "${src%.c}").o"
  # -g: BTF, which libbpf needs for the maps and the TS side checks its codecs against.
  if ! "$CLANG" -O2 -g -target bpf -Wall -Werror \
    -I/usr/include/x86_64-linux-gnu -Ibpf \
    -c "$src" -o "$out.tmp"; then
    rm -f "$out.tmp"
    echo "build-bpf: FAILED to compile $src (clang's messages above)" >&2
    exit 1
  fi
  mv "$out.tmp" "$out"
  echo "build-bpf: $src -> $out"
done
