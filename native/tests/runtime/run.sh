#!/usr/bin/env bash
# The kernel runtime's C unit tests, self-contained: compiles native/runtime/*.c and these tests with the
# client's flags (no NativeAOT library needed), checks the headers as C11 -pedantic and as C++, runs the
# cases, and ends with "N passed, N failed". Exit status is non-zero on any failure.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
native="$(cd "$here/../.." && pwd)"
out="$(mktemp -d "${TMPDIR:-/tmp}/wsksharp-runtime-tests.XXXXXX")"
trap 'rm -rf "$out"' EXIT
flags=(-std=c11 -Wall -Werror -fshort-wchar -fms-extensions -Wno-multichar -fvisibility=hidden -fPIC -O1 -g)
include=(-I "$native/include/wsksharp")
passed=0
failed=0
report() { # name status [detail]
    if [ "$2" = 0 ]; then echo "ok $1"; passed=$((passed + 1)); else echo "FAIL $1: $3"; failed=$((failed + 1)); fi
}

printf '#include <ntddk.h>\n#include <ntstrsafe.h>\n#include <ip2string.h>\n' > "$out/headers.c"
msg=$(gcc "${flags[@]}" -pedantic "${include[@]}" -fsyntax-only "$out/headers.c" 2>&1); report headers_c11_pedantic $? "$msg"
msg=$(g++ -std=c++17 -Wall -Werror -fshort-wchar -fms-extensions -Wno-multichar "${include[@]}" -fsyntax-only -x c++ "$out/headers.c" 2>&1); report headers_cxx $? "$msg"
msg=$(g++ -std=c++17 -Wall -Werror -fshort-wchar -fms-extensions -Wno-multichar "${include[@]}" -fsyntax-only "$here/cxx_usage.cpp" 2>&1); report cxx_driver_idioms $? "$msg"
msg=$(gcc -std=c11 -Werror "${include[@]}" -fsyntax-only "$out/headers.c" 2>&1); st=$?
if [ $st -ne 0 ] && grep -q 'fshort-wchar' <<<"$msg"; then report headers_refuse_32bit_wchar 0; else report headers_refuse_32bit_wchar 1 "built without -fshort-wchar"; fi

# Each runtime header stands alone (the WSK headers include some of them directly).
msg=""
for h in "$native"/include/wsksharp/nt/*.h; do
    [ "$(basename "$h")" = io.h ] && continue # the WSK path's
    printf '#include "nt/%s"\ntypedef int not_empty;\n' "$(basename "$h")" > "$out/one.c"
    msg+=$(gcc "${flags[@]}" -pedantic "${include[@]}" -fsyntax-only "$out/one.c" 2>&1)
done
[ -z "$msg" ]; report headers_standalone $? "$msg"

objects=()
build_ok=0
for src in "$native"/runtime/*.c "$here"/*.c; do
    obj="$out/$(basename "$(dirname "$src")")_$(basename "$src" .c).o"
    if ! msg=$(gcc "${flags[@]}" "${include[@]}" -c "$src" -o "$obj" 2>&1); then
        report "compile_$(basename "$src" .c)" 1 "$msg"
        build_ok=1
    fi
    objects+=("$obj")
done
if [ $build_ok -eq 0 ] && msg=$(gcc "${objects[@]}" -o "$out/runtime-tests" -lpthread 2>&1); then
    "$out/runtime-tests" > "$out/results.txt"
    cat "$out/results.txt"
    passed=$((passed + $(grep -c '^ok ' "$out/results.txt")))
    failed=$((failed + $(grep -c '^FAIL ' "$out/results.txt")))
    if ! grep -q '^ok verifier_report_clean_at_exit' "$out/results.txt" && ! grep -q '^FAIL verifier_report_clean_at_exit' "$out/results.txt"; then
        report runtime_tests_completed 1 "the test program stopped before the end"
    fi
else
    [ $build_ok -eq 0 ] && report link 1 "$msg"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
