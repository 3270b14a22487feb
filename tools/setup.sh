#!/usr/bin/env bash
# Installs what WskSharp's demo, tests, lab and benchmarks need on Debian, if it is missing:
# iproute2 (network namespaces), tcpdump (wire evidence), procps (sysctl inside namespaces),
# gcc/make (the lab's delay line and the native benchmark peers), clang/zlib1g-dev/pkg-config/cmake/g++ (the native C
# face: its NativeAOT link, and the C tests that build clients with pkg-config, CMake and as C++), iputils-ping and util-linux (the lab's
# round-trip check and its supervisor); with --fuzz also afl++ (afl-fuzz, driven by fuzz/run.sh; it brings clang, so only
# the test suite and the fuzzer ask for it, not the demo). Needs root to install; without root it
# only reports what is missing (the tests that need those tools then skip, saying why).
# It never changes a host sysctl: Fast Open is turned on only inside namespaces the project creates.
set -euo pipefail

declare -A need=([ip]=iproute2 [tcpdump]=tcpdump [sysctl]=procps [gcc]=gcc [make]=make [ping]=iputils-ping [setsid]=util-linux [flock]=util-linux
  [clang]=clang [pkg-config]=pkg-config [cmake]=cmake [g++]=g++)
if [ "${1:-}" = "--fuzz" ]; then
  need[afl-fuzz]=afl++
fi
missing=()
for cmd in "${!need[@]}"; do
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ] && [ ! -x "/sbin/$cmd" ]; then
    missing+=("${need[$cmd]}")
  fi
done
# libpcap0.8: the wire-proof tests read tcpdump's pcap files with SharpPcap, which loads libpcap.so.0.8.
if ! compgen -G '/usr/lib/*/libpcap.so.0.8' >/dev/null && ! compgen -G '/lib/*/libpcap.so.0.8' >/dev/null; then
  missing+=(libpcap0.8)
fi

# The native C face (native/build.sh): the NativeAOT link uses clang and zlib; clients use pkg-config or CMake.
if [ ! -e /usr/include/zlib.h ]; then
  missing+=(zlib1g-dev)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing ${missing[*]}; run as root (or: sudo apt-get install -y ${missing[*]})" >&2
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
mapfile -t unique < <(printf '%s\n' "${missing[@]}" | sort -u)
apt-get install -y -qq --no-install-recommends "${unique[@]}" libc6-dev >/dev/null
