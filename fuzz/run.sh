#!/usr/bin/env bash
# Fuzzes WskSharp's parsers of caller data with SharpFuzz + afl++: SockAddr.TryRead (sockaddr), WskBuf.Validate (wskbuf) and
# WskControlSocket (control). Builds the harness in Release, instruments a copy of WskSharp.dll with sharpfuzz, runs
# afl-fuzz per target from fuzz/corpus/<target>, then prints per target what afl's fuzzer_stats says: executions, rate,
# crashes, hangs, corpus. Exits 1 if any target saved a crash (or afl could not run), 0 otherwise.
#
#   fuzz/run.sh --smoke                 CI: every target for 15 s, all at once (about 30 s wall on 2 cores, build included)
#   fuzz/run.sh [--seconds N] [target]  long run: N seconds per target (default 3600), one target after another; resumes
#                                       the previous run's queue in fuzz/findings/long/<target> if there is one
# Options: --seconds N, --parallel (long run: all targets at once), --out DIR (default fuzz/findings/<smoke|long>).
# Needs afl-fuzz (`tools/setup.sh --fuzz` installs afl++) and the sharpfuzz tool (dotnet tool restore, from .config/dotnet-tools.json).
# It changes no host setting (core_pattern, CPU governor): afl is told to skip those checks instead.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
all_targets=(sockaddr wskbuf control)
mode=long
seconds=""
parallel=0
out=""
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) mode=smoke; parallel=1 ;;
    --seconds) seconds="$2"; shift ;;
    --parallel) parallel=1 ;;
    --out) out="$2"; shift ;;
    sockaddr|wskbuf|control) targets+=("$1") ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "fuzz: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
if [ -z "$seconds" ]; then
  if [ "$mode" = smoke ]; then seconds=15; else seconds=3600; fi
fi
out="${out:-$root/fuzz/findings/$mode}"

if ! command -v afl-fuzz >/dev/null 2>&1; then
  echo "fuzz: afl-fuzz is missing; run `tools/setup.sh --fuzz` as root (it installs afl++)" >&2
  exit 3
fi

# Build, then instrument a copy (instrumenting the build output in place would leave an instrumented WskSharp.dll that the
# next incremental build keeps).
echo "fuzz: building the harness (Release)" >&2
if ! log="$(dotnet build "$root/fuzz/WskSharp.Fuzz/WskSharp.Fuzz.csproj" -c Release -nologo -v q -clp:ErrorsOnly \
    --disable-build-servers -nodeReuse:false 2>&1)"; then
  echo "$log" >&2
  echo "fuzz: the harness did not build" >&2
  exit 1
fi
mkdir -p "$out"
bin="$out/bin"
rm -rf "$bin"
cp -r "$root/fuzz/WskSharp.Fuzz/bin/Release/net10.0" "$bin"
(cd "$root" && dotnet tool restore >/dev/null && dotnet tool run sharpfuzz "$bin/WskSharp.dll") >&2

# afl++ without touching the host: no core_pattern or governor check, no CPU binding (targets share the cores), no UI.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export AFL_FAST_CAL=1 AFL_AUTORESUME=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1

fuzz_one() {
  local target="$1" dir="$out/$1" input="$root/fuzz/corpus/$1"
  if [ "$mode" = smoke ]; then rm -rf "$dir"; fi
  mkdir -p "$dir"
  # -m none: the CLR reserves far more address space than afl's default limit; -t 5000: the first input also pays for JIT.
  timeout --kill-after=10 $((seconds + 120)) \
    afl-fuzz -i "$input" -o "$dir" -m none -t 5000 -V "$seconds" -- dotnet "$bin/WskSharp.Fuzz.dll" "$target" \
    >"$dir/afl.log" 2>&1 || echo "fuzz: afl-fuzz for $target exited with $? (see $dir/afl.log)" >&2
}

echo "fuzz: $mode run, ${seconds}s per target: ${targets[*]} -> $out" >&2
if [ "$parallel" = 1 ]; then
  pids=()
  for t in "${targets[@]}"; do fuzz_one "$t" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p"; done
else
  for t in "${targets[@]}"; do fuzz_one "$t"; done
fi

field() { sed -n "s/^$2 *: *//p" "$1" | head -n1; }
failed=0
printf '%-9s %12s %10s %8s %6s %7s %7s %10s\n' target execs execs/s crashes hangs corpus found stability
for t in "${targets[@]}"; do
  stats="$out/$t/default/fuzzer_stats"
  if [ ! -s "$stats" ]; then
    echo "fuzz: $t produced no fuzzer_stats; last lines of $out/$t/afl.log:" >&2
    tail -n 15 "$out/$t/afl.log" >&2 || true
    failed=1
    continue
  fi
  crashes="$(field "$stats" saved_crashes)"; crashes="${crashes:-$(field "$stats" unique_crashes)}"
  hangs="$(field "$stats" saved_hangs)"; hangs="${hangs:-$(field "$stats" unique_hangs)}"
  printf '%-9s %12s %10s %8s %6s %7s %7s %10s\n' "$t" "$(field "$stats" execs_done)" "$(field "$stats" execs_per_sec)" \
    "$crashes" "$hangs" "$(field "$stats" corpus_count)" "$(field "$stats" corpus_found)" "$(field "$stats" stability)"
  if [ "${crashes:-0}" != 0 ]; then
    failed=1
    echo "fuzz: $t saved $crashes crash(es) in $out/$t/default/crashes; reproduce with:" >&2
    echo "  dotnet $root/fuzz/WskSharp.Fuzz/bin/Release/net10.0/WskSharp.Fuzz.dll $t $out/$t/default/crashes" >&2
  fi
  if [ "${hangs:-0}" != 0 ]; then
    echo "fuzz: $t saved $hangs hang(s) (over 5 s) in $out/$t/default/hangs" >&2
  fi
done
exit "$failed"
