#!/usr/bin/env bash
# Self-test of the native peers (TCP and UDP) inside a private, temporary network namespace
# (needs root and iproute2).  The host's sysctls are never touched: Fast Open
# is enabled (tcp_fastopen=3) only inside the namespace, which is deleted on
# exit together with the echo_server this script started.
#
#   ./selftest.sh [COUNT] [RATE_COUNT] [RATE_CONCURRENCY]     (defaults 200 20000 16)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

COUNT="${1:-200}"
RATE_COUNT="${2:-20000}"
RATE_CONC="${3:-16}"
PORT=7000
NS="wskbench-tmp-$$"
SRV_PID=""

cleanup() {
    if [ -n "$SRV_PID" ] && kill -0 "$SRV_PID" 2>/dev/null; then
        kill -TERM "$SRV_PID" 2>/dev/null || true
        wait "$SRV_PID" 2>/dev/null || true
    fi
    ip netns delete "$NS" 2>/dev/null || true
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
    echo "selftest.sh: needs root (creates network namespace $NS)" >&2
    exit 1
fi
./build.sh >/dev/null

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" sysctl -q -w net.ipv4.tcp_fastopen=3
X=(ip netns exec "$NS")

"${X[@]}" ./bin/echo_server --bind 127.0.0.1 --port "$PORT" --fastopen 256 >"/tmp/$NS.srv" 2>&1 </dev/null &
SRV_PID=$!
for _ in $(seq 50); do grep -q '^listening' "/tmp/$NS.srv" 2>/dev/null && break; sleep 0.1; done
cat "/tmp/$NS.srv"

fail=0
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

out=$("${X[@]}" ./bin/client --mode tfo --addr 127.0.0.1 --port "$PORT" --count "$COUNT" --json --no-samples) || fail=1
echo "$out"
[ "$(echo "$out" | field 'd["tfo"]["syn_data_acked"]')" = "$COUNT" ] || { echo "FAIL: tfo mode: not all connections had SYN data acked" >&2; fail=1; }

out=$("${X[@]}" ./bin/client --mode connect --addr 127.0.0.1 --port "$PORT" --count "$COUNT" --json --no-samples) || fail=1
echo "$out"
[ "$(echo "$out" | field 'd["tfo"]["syn_data_acked"]')" = "0" ] || { echo "FAIL: connect mode reported TFO" >&2; fail=1; }

out=$("${X[@]}" ./bin/client --mode tfo-connect --addr 127.0.0.1 --port "$PORT" --count "$COUNT" --json --no-samples) || fail=1
echo "$out"
[ "$(echo "$out" | field 'd["tfo"]["syn_data_acked"]')" = "$COUNT" ] || { echo "FAIL: tfo-connect mode: not all connections had SYN data acked" >&2; fail=1; }

for m in tfo connect tfo-connect; do
    "${X[@]}" ./bin/client --mode "$m" --addr 127.0.0.1 --port "$PORT" --count "$RATE_COUNT" \
        --concurrency "$RATE_CONC" || fail=1
done

# UDP: every pair echoed; and a request to a port nobody listens on ends its socket as a timeout, not a hang.
"${X[@]}" ./bin/udp_echo_server --bind 127.0.0.1 --port 0 >"/tmp/$NS.udp" 2>&1 </dev/null &
UDP_PID=$!
for _ in $(seq 50); do grep -q '^listening' "/tmp/$NS.udp" 2>/dev/null && break; sleep 0.1; done
UDP_PORT=$(sed -n 's/^listening .*:\([0-9]*\)$/\1/p' "/tmp/$NS.udp")
out=$("${X[@]}" ./bin/udp_client --addr 127.0.0.1 --port "$UDP_PORT" --count "$RATE_COUNT" --concurrency "$RATE_CONC" --json) || fail=1
echo "$out"
[ "$(echo "$out" | field 'd["succeeded"]')" = "$RATE_COUNT" ] || { echo "FAIL: udp: not every pair was echoed" >&2; fail=1; }
out=$("${X[@]}" ./bin/udp_client --addr 127.0.0.1 --port 9 --count 4 --concurrency 2 --warmup 0 --timeout-ms 200 --json) && fail=1
echo "$out"
[ "$(echo "$out" | field 'd["errors"].get("timeout: -")')" = "2" ] || { echo "FAIL: udp: an unanswered request was not a timeout" >&2; fail=1; }
kill -TERM "$UDP_PID" 2>/dev/null || true
wait "$UDP_PID" 2>/dev/null || true

rm -f "/tmp/$NS.srv" "/tmp/$NS.udp"
[ "$fail" = 0 ] && echo "selftest: OK" || echo "selftest: FAILED" >&2
exit "$fail"
