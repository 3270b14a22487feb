#!/usr/bin/env bash
# The whole WskSharp test suite: set-up, a warnings-as-errors build, every test, and one closing line
# "N passed, N failed, N skipped" with the runner's own counts. As root the namespace and Fast Open tests run;
# elsewhere they skip, each saying why.
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh --fuzz || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if ! dotnet build WskSharp.slnx -c Release -nologo -v q -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# A hang must fail the run, not eat CI's budget: the suite takes well under a minute.
timeout --signal=TERM --kill-after=30 1200 dotnet run --project tests/WskSharp.Tests -c Release --no-build -- -noColor 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# xunit v3's summary: "WskSharp.Tests  Total: T, Errors: E, Failed: F, Skipped: S, Not Run: N, Time: ..."
summary=$(grep -E 'Total: [0-9]+, Errors: [0-9]+, Failed: [0-9]+, Skipped: [0-9]+' "$log" | tail -n 1)
if [ -z "$summary" ]; then
  echo "the test runner printed no summary (exit $rc)"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

total=$(sed -E 's/.*Total: ([0-9]+).*/\1/' <<<"$summary")
errors=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$summary")
failed=$(sed -E 's/.*Failed: ([0-9]+).*/\1/' <<<"$summary")
skipped=$(sed -E 's/.*Skipped: ([0-9]+).*/\1/' <<<"$summary")
notrun=$(sed -E 's/.*Not Run: ([0-9]+).*/\1/' <<<"$summary")
passed=$((total - failed - skipped - notrun))
failed=$((failed + errors))

# The native C face: native/build.sh installs it under artifacts/native, then the kernel runtime's C tests and the WSK
# conformance tests in C run; their counts join the closing line ("N passed, N failed[, N skipped]" each).
native_prefix="$PWD/artifacts/native"
if bash native/build.sh "$native_prefix" > "$log.native" 2>&1; then
  for suite in "native/tests/runtime/run.sh" "native/tests/wsk/run.sh $native_prefix"; do
    # shellcheck disable=SC2086 # the suite's arguments are split on purpose
    timeout --signal=TERM --kill-after=30 900 bash $suite 2>&1 | tee "$log.native"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log.native" | tail -n 1)
    if [ -z "$line" ]; then
      echo "native: $suite printed no summary"
      failed=$((failed + 1))
      continue
    fi
    passed=$((passed + $(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")))
    failed=$((failed + $(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")))
    if [[ "$line" =~ ([0-9]+)\ skipped ]]; then
      skipped=$((skipped + BASH_REMATCH[1]))
    fi
  done
else
  tail -n 30 "$log.native"
  echo "native: build.sh failed"
  failed=$((failed + 1))
fi
rm -f "$log.native"

echo "$passed passed, $failed failed, $skipped skipped"
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
  exit 1
fi
