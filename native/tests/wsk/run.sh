#!/usr/bin/env bash
# The WSK conformance tests in C: each *.c here is a program built as a client builds one, with
# gcc -std=c11 -Wall -Werror $(pkg-config --cflags --libs wsksharp) against an installed PREFIX (native/build.sh),
# then run; each prints one line per case ("ok NAME", "FAIL NAME: why", "skip NAME: why"). The headers are also
# checked as C11 -pedantic and as C++. Ends with "N passed, N failed, N skipped"; exit status non-zero on any failure,
# and a program that exits non-zero (or is killed) without saying why is a failure of its own.
# Usage: bash native/tests/wsk/run.sh PREFIX [TEST...]   (TEST: a file name without .c, to run only those)
set -u
if [ $# -lt 1 ]; then
  echo "usage: bash native/tests/wsk/run.sh PREFIX [TEST...]" >&2
  exit 2
fi
prefix=$(cd "$1" && pwd)
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/wsksharp-wsk-tests.XXXXXX")
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
cflags=$(pkg-config --cflags wsksharp) && libs=$(pkg-config --libs wsksharp) || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
passed=0 failed=0 skipped=0
report() { # name status [detail]
  if [ "$2" = 0 ]; then echo "ok $1"; passed=$((passed + 1)); else echo "FAIL $1: $3"; failed=$((failed + 1)); fi
}

printf '#include <ntddk.h>\n#include <wsk.h>\n#include <ws2def.h>\n' > "$out/headers.c"
msg=$(gcc -std=c11 -Wall -Werror -pedantic $cflags -fsyntax-only "$out/headers.c" 2>&1); report wsk_headers_c11_pedantic $? "$msg"
msg=$(g++ -std=c++17 -Wall -Werror $cflags -fsyntax-only -x c++ "$out/headers.c" 2>&1); report wsk_headers_cxx $? "$msg"

# The library exports its API only: every dynamic symbol it defines is named in the installed headers (WSKSHARP_API),
# except NativeAOT's own debugger header. The runtime's and shim's shared helpers are built hidden, the bridge's entry
# points for the shim are made local, so none of them is reachable (or interposable) from a client.
lib="$prefix/lib/libwsksharp.so"
exported=$(nm -D --defined-only "$lib" 2>/dev/null | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort -u) # A: the version node
if [ -z "$exported" ]; then
  report library_exports_api_only 1 "nm -D listed nothing in $lib"
else
  stray=""
  for symbol in $exported; do
    case $symbol in DotNetRuntimeDebugHeader) continue ;; esac
    grep -rqw -- "$symbol" "$prefix/include/wsksharp" || stray="$stray $symbol"
  done
  report library_exports_api_only "$([ -z "$stray" ] && echo 0 || echo 1)" "exported but not in the headers:$stray"
  echo "# libwsksharp.so exports $(wc -w <<<"$exported") symbols"
fi

# The CMake package: find_package(WskSharp) and the imported target build the same kind of client.
if command -v cmake >/dev/null 2>&1; then
  mkdir -p "$out/cmake"
  cat > "$out/cmake/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.16)
project(wsksharp_cmake_probe C)
find_package(WskSharp REQUIRED)
add_executable(probe probe.c)
target_link_libraries(probe PRIVATE WskSharp::WskSharp)
CMAKE
  printf '#include <ntddk.h>\n#include <wsk.h>\nint main(void) { WSK_REGISTRATION r; WSK_CLIENT_DISPATCH d = { MAKE_WSK_VERSION(1, 0), 0, NULL };\n  WSK_CLIENT_NPI n = { NULL, &d };\n  if (!NT_SUCCESS(WskRegister(&n, &r))) return 1;\n  WskDeregister(&r);\n  return 0; }\n' > "$out/cmake/probe.c"
  if msg=$(cmake -S "$out/cmake" -B "$out/cmake/build" -DCMAKE_PREFIX_PATH="$prefix" 2>&1 && cmake --build "$out/cmake/build" 2>&1) \
     && msg=$("$out/cmake/build/probe" 2>&1); then
    report cmake_find_package 0
  else
    report cmake_find_package 1 "$(tail -n 5 <<<"$msg" | tr '\n' ' ')"
  fi
else
  echo "skip cmake_find_package: cmake is not installed"
  skipped=$((skipped + 1))
fi

# A program marked WSKTEST_IN_NAMESPACE runs in a network namespace made for it (wskc-PID, loopback up,
# net.ipv4.tcp_fastopen=3 set inside it only; the host's sysctls are never touched) under tcpdump; for each line
# "# syn-data CLIENT_PORT SERVER_PORT LENGTH" it prints, the capture must hold that SYN carrying LENGTH bytes.
netns=""
tcpdump_pid=""
cleanup_namespace() {
  if [ -n "${host_pid:-}" ]; then kill -KILL "$host_pid" 2>/dev/null; wait "$host_pid" 2>/dev/null; host_pid=""; fi
  if [ -n "$tcpdump_pid" ]; then kill "$tcpdump_pid" 2>/dev/null; wait "$tcpdump_pid" 2>/dev/null; tcpdump_pid=""; fi
  if [ -n "$netns" ]; then ip netns delete "$netns" 2>/dev/null; netns=""; fi
}
trap 'cleanup_namespace; rm -rf "$out"' EXIT
remove_orphan_namespaces() { # wskc-PID whose PID is gone: a run killed before its clean-up
  for path in /var/run/netns/wskc-*; do
    [ -e "$path" ] || continue
    pid=${path##*/wskc-}
    if [[ "$pid" =~ ^[0-9]+$ ]] && [ "$pid" != $$ ] && [ ! -d "/proc/$pid" ]; then ip netns delete "wskc-$pid" 2>/dev/null; fi
  done
}
run_in_namespace() { # name
  local name=$1
  if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1; then
    "$out/$name" > "$out/$name.txt" 2> "$out/$name.err" # it reports its own cases as skipped outside such a namespace
    return $?
  fi
  remove_orphan_namespaces
  netns="wskc-$$"
  ip netns add "$netns" && ip -n "$netns" link set lo up && ip netns exec "$netns" sysctl -q -w net.ipv4.tcp_fastopen=3 || {
    echo "FAIL ${name}_namespace: could not make namespace $netns" > "$out/$name.txt"; cleanup_namespace; return 1; }
  local capture=""
  if command -v tcpdump >/dev/null 2>&1; then
    capture="$out/$name.pcap.txt"
    ip netns exec "$netns" tcpdump -i lo -nn -v -l 'tcp[tcpflags] & tcp-syn != 0' > "$capture" 2> "$out/$name.tcpdump" &
    tcpdump_pid=$!
    # Wait until tcpdump listens (it says so), so no SYN goes uncaptured; bounded, in case it never starts.
    for _ in $(seq 1 100); do grep -q 'listening on' "$out/$name.tcpdump" 2>/dev/null && break; sleep 0.1; done
  fi
  timeout --signal=KILL 120 ip netns exec "$netns" "$out/$name" > "$out/$name.txt" 2> "$out/$name.err"
  local rc=$?
  while read -r _ _ client server length; do
    if [ -z "$capture" ]; then
      echo "skip ${name}_syn_on_the_wire: tcpdump is not installed" >> "$out/$name.txt"
      continue
    fi
    local syn="127\\.0\\.0\\.1\\.$client > 127\\.0\\.0\\.1\\.$server: Flags \\[S\\],.* length $length\$"
    # tcpdump prints what it reads in its own time: wait (bounded) for the SYN rather than stop it before it has.
    for _ in $(seq 1 100); do grep -qE "$syn" "$capture" && break; sleep 0.1; done
    if grep -E "$syn" "$capture" > "$out/$name.syn"; then
      echo "ok ${name}_syn_on_the_wire" >> "$out/$name.txt"
      sed 's/^ */# wire: /' "$out/$name.syn" >> "$out/$name.txt"
    else
      echo "FAIL ${name}_syn_on_the_wire: no SYN from port $client to $server carrying $length bytes in the capture" >> "$out/$name.txt"
      sed 's/^ */# wire: /' "$capture" "$out/$name.tcpdump" >> "$out/$name.txt"
    fi
  done < <(grep '^# syn-data ' "$out/$name.txt")
  cleanup_namespace
  return $rc
}

# A program marked "WSKTEST_DRIVER NAME" is the client of drivers/NAME.c: that driver is built as a shared object and
# run by the driver host (`wsk driver run`; WSK_CLI names the command, by default the built CLI), which DbgPrints
# "listening on port N"; the program gets N, then the host is stopped (SIGTERM) and must report a clean unload.
root=$(cd "$here/../../.." && pwd)
if [ -n "${WSK_CLI:-}" ]; then
  read -r -a wsk_cli <<<"$WSK_CLI"
elif [ -f "$root/src/WskSharp.Cli/bin/Release/net10.0/wsk.dll" ]; then
  wsk_cli=(dotnet "$root/src/WskSharp.Cli/bin/Release/net10.0/wsk.dll")
else
  wsk_cli=()
fi
host_pid=""
run_with_driver() { # name driver
  local name=$1 driver=$2
  if [ ${#wsk_cli[@]} -eq 0 ]; then
    echo "skip ${name}: no wsk CLI (build src/WskSharp.Cli in Release, or set WSK_CLI)" > "$out/$name.txt"
    return 0
  fi
  if ! msg=$(gcc -std=c11 -Wall -Werror -O1 -g -shared -fPIC $cflags "$here/drivers/$driver.c" -o "$out/$driver.so" $libs 2>&1); then
    echo "FAIL compile_$driver: $msg" > "$out/$name.txt"
    return 1
  fi
  "${wsk_cli[@]}" driver run "$out/$driver.so" > "$out/$driver.out" 2> "$out/$driver.err" &
  host_pid=$!
  for _ in $(seq 1 300); do # bounded: the host starts in seconds
    grep -q 'listening on port' "$out/$driver.err" 2>/dev/null && break
    kill -0 "$host_pid" 2>/dev/null || break
    sleep 0.1
  done
  local port
  port=$(sed -n 's/.*listening on port \([0-9][0-9]*\).*/\1/p' "$out/$driver.err" | head -n 1)
  local rc=0
  if [ -z "$port" ]; then
    echo "FAIL ${driver}_loaded: the driver never said it was listening: $(tr '\n' ' ' < "$out/$driver.out") $(tail -n 5 "$out/$driver.err" | tr '\n' ' ')" > "$out/$name.txt"
    rc=1
  else
    timeout --signal=KILL 120 "$out/$name" "$port" > "$out/$name.txt" 2> "$out/$name.err"
    rc=$?
  fi
  kill -TERM "$host_pid" 2>/dev/null
  local host_rc=0
  wait "$host_pid" || host_rc=$?
  host_pid=""
  if [ -n "$port" ]; then
    if [ $host_rc -eq 0 ] && grep -q '^wsk driver: DriverUnload returned' "$out/$driver.out" && grep -q '^wsk driver: verifier: clean' "$out/$driver.out"; then
      echo "ok ${driver}_unload_clean" >> "$out/$name.txt"
    else
      echo "FAIL ${driver}_unload_clean: the host exited $host_rc: $(tr '\n' ' ' < "$out/$driver.out")" >> "$out/$name.txt"
    fi
  fi
  return $rc
}

# Faulty drivers made on purpose (drivers/faulty_*.c), one fault each: the host runs each for 0 s, and must exit 1
# with every rule on the driver's "EXPECT:" line in its report.
run_faulty_drivers() {
  for src in "$here"/drivers/faulty_*.c; do
    [ -e "$src" ] || continue
    local driver
    driver=$(basename "$src" .c)
    if [ ${#wsk_cli[@]} -eq 0 ]; then
      echo "skip ${driver}: no wsk CLI (build src/WskSharp.Cli in Release, or set WSK_CLI)"; skipped=$((skipped + 1)); continue
    fi
    if ! msg=$(gcc -std=c11 -Wall -Werror -O1 -g -shared -fPIC $cflags "$src" -o "$out/$driver.so" $libs 2>&1); then
      report "compile_$driver" 1 "$msg"; continue
    fi
    WSKSHARP_VERIFIER_QUIET=1 timeout --signal=KILL 120 "${wsk_cli[@]}" driver run "$out/$driver.so" --seconds 0 > "$out/$driver.out" 2>&1
    local host_rc=$?
    for rule in $(sed -n 's/.*EXPECT: \([A-Z_ ]*\).*/\1/p' "$src"); do
      if [ $host_rc -eq 1 ] && grep -q "^$rule " "$out/$driver.out"; then
        report "${driver}_${rule}_caught" 0
      else
        report "${driver}_${rule}_caught" 1 "host exit $host_rc; report: $(grep -v '^DbgPrint' "$out/$driver.out" | tr '\n' ' ')"
      fi
    done
  done
}

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
  run_faulty_drivers
  for src in "$here"/*.c; do tests+=("$(basename "$src" .c)"); done
fi
for name in "${tests[@]}"; do
  if ! msg=$(gcc -std=c11 -Wall -Werror -O1 -g $cflags "$here/$name.c" -o "$out/$name" $libs 2>&1); then
    report "compile_$name" 1 "$msg"
    continue
  fi
  if driver=$(sed -n 's/.*WSKTEST_DRIVER \([a-z_]*\).*/\1/p' "$here/$name.c" | head -n 1) && [ -n "$driver" ]; then
    run_with_driver "$name" "$driver"
    rc=$?
  elif grep -q 'WSKTEST_IN_NAMESPACE' "$here/$name.c"; then
    run_in_namespace "$name"
    rc=$?
  else
    # A hang guard, not a measurement: every program finishes in seconds.
    timeout --signal=KILL 120 "$out/$name" > "$out/$name.txt" 2> "$out/$name.err"
    rc=$?
  fi
  cat "$out/$name.txt"
  p=$(grep -c '^ok ' "$out/$name.txt") f=$(grep -c '^FAIL ' "$out/$name.txt") s=$(grep -c '^skip ' "$out/$name.txt")
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
    report "$name" 1 "exited $rc: $(tail -n 3 "$out/$name.err" | tr '\n' ' ')"
  fi
done
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
