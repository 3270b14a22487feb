#!/usr/bin/env bash
# shellcheck disable=SC2001 # sed to indent multi-line output is clearer here
# selftest.sh - end-to-end checks of the WskSharp network lab (tools/lab).
#
# Brings a lab up several times under its own name (default "wskselftest", so
# it does not touch a lab you have running) and checks: RTT ~2x delay, TCP Fast
# Open through the delay line (SYN carries cookie + payload, seen by tcpdump),
# the SYN-data blackhole (fallback to a plain SYN ~1 s later; other address
# unaffected), jitter keeps packet order, loss, rate limiting, self-stop via
# --max-seconds / --parent-pid, and that down leaves nothing behind.
#
# Needs root, /dev/net/tun, iproute2, gcc, tcpdump, iputils-ping (curl optional).
# Exits 0 only if every check passed. Usage: sudo tools/lab/test/selftest.sh
set -uo pipefail

TEST_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=$(cd -- "$TEST_DIR/.." && pwd)
LAB="$LAB_DIR/lab.sh"
PROBE="$LAB_DIR/bin/tfoprobe"
NAME=${WSKLAB_SELFTEST_NAME:-wskselftest}
DEV_C="${NAME}c0"
DEV_S="${NAME}s0"
STATE_DIR="${WSKLAB_STATE_DIR:-/run/wsklab}"
PORT=7000
MSG_LEN=20 # tfoprobe's default message "hello from tfoprobe\n"

PASS=0
FAIL=0
BG_PIDS=()
WORK=""

say() { printf '%s\n' "$*"; }
ok() {
    PASS=$((PASS + 1))
    say "ok   - $*"
}
bad() {
    FAIL=$((FAIL + 1))
    say "FAIL - $*"
}
check() { # DESCRIPTION COMMAND...
    local d=$1
    shift
    if "$@"; then ok "$d"; else bad "$d"; fi
}
# float helpers (awk): in_range VALUE LO HI
in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v + 0 >= lo && v + 0 <= hi) }'; }
# value of key=VALUE in a tfoprobe line
kv() { sed -n "s/.*[[:space:]]$2=\([^[:space:]]*\).*/\1/p" <<<"$1"; }
nth() { sed -n "${2}p" <<<"$1"; }
acked_fast() { [[ $(kv "$1" syn_data_acked) == 1 ]] && in_range "$(kv "$1" elapsed_ms)" 18 32; }

lab() { "$LAB" "$@"; }
lab_up() { # ARGS... ; prints the summary, returns lab.sh's status
    local out rc
    out=$("$LAB" up --name "$NAME" "$@" 2>&1)
    rc=$?
    sed 's/^/    | /' <<<"$out"
    return $rc
}
lab_down() { "$LAB" down --name "$NAME" >"$WORK/down.out" 2>&1; }

ns_gone() { ! ip netns list 2>/dev/null | awk '{print $1}' | grep -qx -e "$NAME-c" -e "$NAME-s"; }
no_delayline() {
    local d c comm
    for d in /proc/[0-9]*; do
        comm=""
        read -r comm 2>/dev/null <"$d/comm" || continue
        [[ $comm == delayline || $comm == bash ]] || continue
        c=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline") || continue
        [[ $c == *delayline* && $c == *" $DEV_C $DEV_S "* ]] && return 1
        [[ $c == *"_supervise $NAME "* ]] && return 1
    done
    return 0
}
no_host_devs() { ! ip link show dev "$DEV_C" >/dev/null 2>&1 && ! ip link show dev "$DEV_S" >/dev/null 2>&1; }
all_gone() { ns_gone && no_delayline && no_host_devs; }
wait_all_gone() { # TENTHS
    local i
    for ((i = 0; i < $1; i++)); do
        all_gone && return 0
        sleep 0.1
    done
    all_gone
}

start_bg() { # OUTFILE READY-REGEX COMMAND... (started in the background; waits for READY in OUTFILE*)
    local out=$1 re=$2 i
    shift 2
    "$@" >"$out" 2>"$out.err" &
    BG_PIDS+=($!)
    for ((i = 0; i < 100; i++)); do
        if grep -qE "$re" "$out" "$out.err" 2>/dev/null; then return 0; fi
        kill -0 "${BG_PIDS[-1]}" 2>/dev/null || break
        sleep 0.05
    done
    say "    could not start: $*"
    sed 's/^/    | /' "$out" "$out.err" 2>/dev/null
    return 1
}
stop_bg() {
    local p
    sleep 0.3 # let capture sockets drain
    for p in "${BG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    BG_PIDS=()
}
tcpdump_in() { # client|server OUTFILE FILTER
    local side=$1 dev=$DEV_C
    [[ $side == server ]] && dev=$DEV_S
    start_bg "$2" 'listening on' "$LAB" "exec-$side" --name "$NAME" tcpdump -nn -tt -l -i "$dev" "$3"
}
server_on() { # OUTFILE ADDR:PORT...
    local out=$1
    shift
    start_bg "$out" '^ready$' "$LAB" exec-server --name "$NAME" "$PROBE" server --timeout 120 "$@"
}
client() { "$LAB" exec-client --name "$NAME" "$PROBE" client "$@" 2>&1; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if ((${#BG_PIDS[@]})); then stop_bg; fi
    "$LAB" down --name "$NAME" >/dev/null 2>&1
    if [[ -n $WORK && -d $WORK ]]; then
        if ((FAIL == 0 && rc == 0)); then
            rm -rf "$WORK"
        else
            cp -f "$STATE_DIR/$NAME.log" "$WORK/lab.log" 2>/dev/null
            say "(kept $WORK for inspection)"
        fi
    fi
    rm -f "$STATE_DIR/$NAME.log"
    exit "$rc"
}

# --- preconditions -------------------------------------------------------------
[[ $EUID -eq 0 ]] || { echo "selftest: must run as root" >&2; exit 2; }
missing=()
for c in ip gcc tcpdump ping setsid flock; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
[[ -c /dev/net/tun ]] || missing+=("/dev/net/tun")
if ((${#missing[@]})); then
    echo "selftest: missing: ${missing[*]} (Debian: apt-get install -y iproute2 gcc libc6-dev tcpdump iputils-ping util-linux)" >&2
    exit 2
fi
if [[ -e $STATE_DIR/$NAME.state ]] || ip netns list | awk '{print $1}' | grep -qx -e "$NAME-c" -e "$NAME-s"; then
    echo "selftest: a lab named '$NAME' exists already; run '$LAB down --name $NAME' or set WSKLAB_SELFTEST_NAME" >&2
    exit 2
fi
WORK=$(mktemp -d /tmp/wsklab-selftest.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
HOST_TFO_BEFORE=$(cat /proc/sys/net/ipv4/tcp_fastopen)

say "# build"
check "lab.sh build compiles delayline (-Wall -Wextra -Werror)" lab build
if [[ ! -x $PROBE || $TEST_DIR/tfoprobe.c -nt $PROBE ]]; then
    gcc -std=c11 -O2 -Wall -Wextra -Werror -o "$PROBE" "$TEST_DIR/tfoprobe.c"
fi
check "tfoprobe compiles" test -x "$PROBE"
check "delayline --check rejects --loss 150" bash -c "! '$LAB_DIR/bin/delayline' --check --loss 150 a b 2>/dev/null"
check "delayline --check rejects a templated device name" bash -c "! '$LAB_DIR/bin/delayline' --check 'x%d' b 2>/dev/null"
check "delayline --check accepts IPv4+IPv6 blackholes" "$LAB_DIR/bin/delayline" --check --blackhole-syn-data 198.18.0.2 --blackhole-syn-data 2001:2::2 a b 2>/dev/null
check "down on a lab that is not up succeeds" lab_down
check "status on a lab that is not up exits 3" bash -c "'$LAB' status --name '$NAME' >/dev/null; test \$? -eq 3"

# --- A: default lab: RTT and TCP Fast Open -----------------------------------
say "# A: default lab (10 ms one-way)"
if lab_up; then
    ok "up (defaults)"
    out=$("$LAB" up --name "$NAME" 2>&1)
    rc=$?
    check "second up fails with a clear message" test $rc -ne 0 -a -n "$(grep -o 'already up' <<<"$out")"
    check "status exits 0" bash -c "'$LAB' status --name '$NAME' >/dev/null"

    p=$(lab ping --name "$NAME" -c 10 2>&1)
    avg=$(sed -n 's|^rtt min/avg/max/mdev = [0-9.]*/\([0-9.]*\)/.*|\1|p' <<<"$p")
    say "    $(grep -E 'packet loss|^rtt' <<<"$p" | tr '\n' ' ')"
    check "IPv4 ping RTT avg ${avg:-?} ms within 19..26" in_range "$avg" 19 26
    check "IPv4 ping 0% loss" grep -q ' 0% packet loss' <<<"$p"
    p=$(lab ping --name "$NAME" -c 5 2001:2::2 2>&1)
    avg6=$(sed -n 's|^rtt min/avg/max/mdev = [0-9.]*/\([0-9.]*\)/.*|\1|p' <<<"$p")
    check "IPv6 ping RTT avg ${avg6:-?} ms within 19..26" in_range "$avg6" 19 26
    p=$(lab ping --name "$NAME" -c 3 198.18.0.3 2>&1)
    check "second server address 198.18.0.3 answers" grep -q ' 0% packet loss' <<<"$p"

    # capture the whole port: BPF tcp[] offsets only work for IPv4
    if tcpdump_in server "$WORK/a_srv.pcap.txt" "tcp port $PORT" &&
        server_on "$WORK/a_server.txt" "198.18.0.2:$PORT" "198.18.0.3:$PORT" "[2001:2::2]:$PORT"; then
        c=$(client --count 3 "198.18.0.2:$PORT")
        sed 's/^/    /' <<<"$c"
        l1=$(nth "$c" 1) l2=$(nth "$c" 2) l3=$(nth "$c" 3)
        check "1st TFO connect: cookie request only (syn_data_acked=0)" test "$(kv "$l1" syn_data_acked)" = 0
        check "1st connect+reply takes 2 RTT ($(kv "$l1" elapsed_ms) ms within 38..70)" in_range "$(kv "$l1" elapsed_ms)" 38 70
        check "2nd TFO connect: data in SYN acked" test "$(kv "$l2" syn_data_acked)" = 1
        check "2nd connect+reply takes 1 RTT ($(kv "$l2" elapsed_ms) ms within 18..32)" in_range "$(kv "$l2" elapsed_ms)" 18 32
        check "3rd TFO connect: data in SYN acked" test "$(kv "$l3" syn_data_acked)" = 1
        check "server saw syn_data=1" grep -q 'local=198.18.0.2:7000 .*syn_data=1' "$WORK/a_server.txt"
        c=$(client --no-tfo "198.18.0.2:$PORT")
        check "plain connect (no TFO) takes 2 RTT ($(kv "$c" elapsed_ms) ms)" in_range "$(kv "$c" elapsed_ms)" 38 70
        c=$(client --count 2 "[2001:2::2]:$PORT")
        check "IPv6 TFO: 2nd connect has data in SYN acked" test "$(kv "$(nth "$c" 2)" syn_data_acked)" = 1
        stop_bg
        syn_req=$(grep -E "> 198\.18\.0\.2\.$PORT: Flags \[S\],.*tfo  cookiereq.*length 0$" "$WORK/a_srv.pcap.txt" | head -n 1)
        syn_data=$(grep -E "> 198\.18\.0\.2\.$PORT: Flags \[S\],.*tfo  cookie [0-9a-f]+.*length $MSG_LEN$" "$WORK/a_srv.pcap.txt" | head -n 1)
        say "    tcpdump: ${syn_req:-<no cookie-request SYN>}"
        say "    tcpdump: ${syn_data:-<no SYN with data>}"
        check "tcpdump (server ns): first SYN = TFO cookie request, no payload" test -n "$syn_req"
        check "tcpdump (server ns): later SYN carries TFO cookie + $MSG_LEN bytes payload" test -n "$syn_data"
        check "tcpdump (server ns): IPv6 SYN carries cookie + payload" \
            grep -qE "> 2001:2::2\.$PORT: Flags \[S\],.*tfo  cookie [0-9a-f]+.*length $MSG_LEN$" "$WORK/a_srv.pcap.txt"
    else
        bad "could not start tcpdump/server in phase A"
        stop_bg
    fi

    if command -v curl >/dev/null 2>&1; then
        if server_on "$WORK/a_http.txt" "198.18.0.3:8080"; then
            r1=$("$LAB" exec-client --name "$NAME" curl -sS --max-time 5 --tcp-fastopen http://198.18.0.3:8080/ 2>&1)
            r2=$("$LAB" exec-client --name "$NAME" curl -sS --max-time 5 --tcp-fastopen http://198.18.0.3:8080/ 2>&1)
            check "curl --tcp-fastopen: 1st reply without SYN data, 2nd with ('$r1' / '$r2')" \
                test "$r1" = "ok syn_data=0" -a "$r2" = "ok syn_data=1"
        else
            bad "could not start the HTTP test server"
        fi
        stop_bg
    fi

    check "down" lab_down
    check "down removed namespaces, delayline, devices" wait_all_gone 30
else
    bad "up (defaults)"
fi

# --- B: SYN-data blackhole -----------------------------------------------------
say "# B: --blackhole-syn-data 198.18.0.2 and 2001:2::2"
if lab_up --blackhole-syn-data 198.18.0.2 --blackhole-syn-data 2001:2::2; then
    ok "up with blackholes"
    filter="tcp port $PORT" # (BPF tcp[] offsets only work for IPv4)
    if tcpdump_in client "$WORK/b_cli.pcap.txt" "$filter" && tcpdump_in server "$WORK/b_srv.pcap.txt" "$filter" &&
        server_on "$WORK/b_server.txt" "198.18.0.2:$PORT" "198.18.0.3:$PORT" "[2001:2::2]:$PORT" "[2001:2::3]:$PORT"; then
        c2=$(client --count 2 "198.18.0.2:$PORT")
        c3=$(client --count 2 "198.18.0.3:$PORT")
        c62=$(client --count 2 "[2001:2::2]:$PORT")
        c63=$(client --count 2 "[2001:2::3]:$PORT")
        sed 's/^/    /' <<<"$c2"$'\n'"$c3"$'\n'"$c62"$'\n'"$c63"
        l=$(nth "$c2" 1)
        check ".2: cookie-request SYN (no payload) passes: 2 RTT ($(kv "$l" elapsed_ms) ms)" in_range "$(kv "$l" elapsed_ms)" 38 70
        l=$(nth "$c2" 2)
        check ".2: SYN-data dropped, fallback after ~1 s RTO ($(kv "$l" elapsed_ms) ms within 1000..1600)" in_range "$(kv "$l" elapsed_ms)" 1000 1600
        check ".2: data not acked in SYN, reply still arrives" test "$(kv "$l" syn_data_acked)" = 0 -a -n "$(grep -o 'reply="ok' <<<"$l")"
        l=$(nth "$c3" 2)
        check ".3: SYN-data still works (acked, $(kv "$l" elapsed_ms) ms within 18..32)" \
            acked_fast "$l"
        l=$(nth "$c62" 2)
        check "[2001:2::2]: SYN-data dropped, fallback after ~1 s ($(kv "$l" elapsed_ms) ms)" in_range "$(kv "$l" elapsed_ms)" 1000 1600
        l=$(nth "$c63" 2)
        check "[2001:2::3]: SYN-data still works" test "$(kv "$l" syn_data_acked)" = 1
        stop_bg

        # client-side capture: SYN with payload to .2, then the same port sends a plain SYN ~1 s later
        fb=$(awk -v dst="198.18.0.2.$PORT:" '
            $3 ~ /^198\.18\.0\.1\./ && $5 == dst && $7 == "[S]," {
                n = $NF + 0; src = $3; t = $1 + 0
                if (n > 0 && !(src in first)) { first[src] = t; line[src] = $0 }
                else if (n == 0 && (src in first) && !(src in done)) {
                    done[src] = 1
                    printf "%.3f\t%s\t%s\n", t - first[src], line[src], $0
                    exit
                }
            }' "$WORK/b_cli.pcap.txt")
        gap=${fb%%$'\t'*}
        if [[ -n $fb ]]; then
            say "    tcpdump (client ns), SYN-data:    $(cut -f2 <<<"$fb")"
            say "    tcpdump (client ns), retransmit: $(cut -f3 <<<"$fb")"
        fi
        check "client capture: SYN-data to .2 followed by a plain SYN ${gap:-?} s later (0.9..1.6)" in_range "${gap:-}" 0.9 1.6
        check "server capture: no SYN with payload ever reached 198.18.0.2" \
            bash -c "! grep -qE '> 198\.18\.0\.2\.$PORT: Flags \[S\],.* length [1-9][0-9]*$' '$WORK/b_srv.pcap.txt'"
        check "server capture: SYN with payload reached 198.18.0.3" \
            grep -qE "> 198\.18\.0\.3\.$PORT: Flags \[S\],.*tfo  cookie .* length $MSG_LEN$" "$WORK/b_srv.pcap.txt"
        st=$(lab status --name "$NAME" 2>&1)
        check "delayline counted 2 SYN-data drops" grep -q 'syn_data_dropped=2$' <<<"$st"
        check "delayline logged the IPv4 and IPv6 drops" bash -c "grep -q 'dropped SYN-data .* -> 198.18.0.2:$PORT payload=$MSG_LEN' '$STATE_DIR/$NAME.log' && grep -q 'dropped SYN-data .* -> \[2001:2::2\]:$PORT payload=$MSG_LEN' '$STATE_DIR/$NAME.log'"
    else
        bad "could not start tcpdump/server in phase B"
        stop_bg
    fi
else
    bad "up with blackholes"
fi

# --- C: jitter keeps order; loss -------------------------------------------------
say "# C: --force --jitter-ms 8 --loss 10 (order must be kept)"
if lab_up --force --jitter-ms 8 --loss 10 --seed 7; then
    ok "up --force replaced the running lab"
    if tcpdump_in server "$WORK/c_req.txt" "icmp[icmptype] == icmp-echo" &&
        tcpdump_in client "$WORK/c_rep.txt" "icmp[icmptype] == icmp-echoreply"; then
        p=$("$LAB" exec-client --name "$NAME" ping -n -q -c 300 -i 0.002 -W 1 198.18.0.2 2>&1)
        stop_bg
        say "    $(grep -E 'packet loss|^rtt' <<<"$p" | tr '\n' ' ')"
        loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' <<<"$p")
        mn=$(sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/.*|\1|p' <<<"$p")
        mx=$(sed -n 's|^rtt min/avg/max/mdev = [0-9.]*/[0-9.]*/\([0-9.]*\)/.*|\1|p' <<<"$p")
        check "round-trip loss ${loss:-?}% within 5..40 (10% per direction)" in_range "$loss" 5 40
        check "RTT min ${mn:-?} ms >= 19.5" in_range "$mn" 19.5 1000
        check "RTT max ${mx:-?} ms <= 45 (2x(10+8) + slack)" in_range "$mx" 0 45
        for f in c_req c_rep; do
            res=$(awk '{ for (i = 1; i < NF; i++) if ($i == "seq") { s = $(i + 1); sub(/,$/, "", s); s += 0
                         n++; if (n > 1 && s <= prev) bad++; prev = s } }
                       END { printf "%d %d\n", n, bad + 0 }' "$WORK/$f.txt")
            n=${res% *} nbad=${res#* }
            check "$f: $n ICMP packets captured, all in order (out of order: $nbad)" \
                bash -c "test $nbad -eq 0 && test $n -ge 150"
        done
    else
        bad "could not start tcpdump in phase C"
        stop_bg
    fi
else
    bad "up --force (jitter/loss)"
fi

# --- D: rate limit ---------------------------------------------------------------
say "# D: --rate-kbit 1000 (1400-byte packets add 2 x 11.2 ms)"
if lab_up --force --rate-kbit 1000; then
    ok "up --rate-kbit 1000"
    p=$("$LAB" exec-client --name "$NAME" ping -n -q -c 5 -i 0.3 -s 1372 198.18.0.2 2>&1)
    avg=$(sed -n 's|^rtt min/avg/max/mdev = [0-9.]*/\([0-9.]*\)/.*|\1|p' <<<"$p")
    check "1400-byte ping RTT ${avg:-?} ms within 39..50" in_range "$avg" 39 50
    p=$("$LAB" exec-client --name "$NAME" ping -n -q -c 5 -i 0.3 198.18.0.2 2>&1)
    avg=$(sed -n 's|^rtt min/avg/max/mdev = [0-9.]*/\([0-9.]*\)/.*|\1|p' <<<"$p")
    check "84-byte ping RTT ${avg:-?} ms within 19..26" in_range "$avg" 19 26
    check "down" lab_down
else
    bad "up --rate-kbit"
fi

# --- E: it stops by itself ---------------------------------------------------------
say "# E: self-stop"
if lab_up --max-seconds 2 >/dev/null; then
    sleep 2.5
    check "--max-seconds 2: namespaces, delayline and devices gone by themselves" wait_all_gone 30
else
    bad "up --max-seconds 2"
fi
sleep 600 &
holder=$!
if lab_up --parent-pid "$holder" >/dev/null; then
    kill "$holder"
    wait "$holder" 2>/dev/null
    check "--parent-pid: everything gone after the parent exits" wait_all_gone 30
else
    kill "$holder" 2>/dev/null
    bad "up --parent-pid"
fi
if lab_up >/dev/null; then
    ip netns delete "$NAME-s"
    check "deleting a lab namespace by hand makes delayline exit and the rest go away" wait_all_gone 30
else
    bad "up (for the namespace-deletion check)"
fi

# --- F: nothing left ------------------------------------------------------------------
say "# F: final cleanup"
lab_down
check "down twice is fine" lab_down
check "ip netns list shows no $NAME-c / $NAME-s" ns_gone
check "no delayline or supervisor process of this lab remains" no_delayline
check "no lab TUN device left in the host namespace" no_host_devs
check "state files removed" bash -c "! ls '$STATE_DIR/$NAME.state' '$STATE_DIR/$NAME.delayline.pid' '$STATE_DIR/$NAME.supervisor.pid' 2>/dev/null | grep -q ."
check "host net.ipv4.tcp_fastopen unchanged ($HOST_TFO_BEFORE)" test "$(cat /proc/sys/net/ipv4/tcp_fastopen)" = "$HOST_TFO_BEFORE"

say "selftest: $PASS passed, $FAIL failed"
((FAIL == 0))
