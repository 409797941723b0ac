#!/usr/bin/env bash
# Installs what a fresh machine lacks (Debian packages, npm dependencies) and builds Porin. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }

# Debian packages: iproute2, iptables, the reference CNI plugins and curl for the embedded cluster; clang/libbpf for the
# datapath; gcc/libc6-dev for the thin CNI plugin; chromium for the web UI's browser tests; wrk, nghttp2-client
# (h2load) and haproxy for the L7 benchmark.
APT_PACKAGES=(clang llvm libbpf-dev bpftool iproute2 iptables containernetworking-plugins curl dnsutils python3 make gcc libc6-dev g++ iperf3 nghttp2-client dnsperf chromium wrk haproxy)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing Debian packages (run as root to install): ${missing[*]}"
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (re2 compiles from source: a few minutes the first time)"
  npm ci --no-audit --no-fund --loglevel=error
fi

say "building (eBPF programs with clang, the thin CNI plugin with gcc, then TypeScript, then the web UI)"
bash scripts/build-bpf.sh
bash scripts/build-native.sh
npx tsc -p tsconfig.json
npx tsc -p ui/tsconfig.json
npx vite build -c ui/vite.config.ts
