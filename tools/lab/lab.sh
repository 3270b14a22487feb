#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions called indirectly ("is_our_$kind", traps)
# lab.sh - WskSharp network lab: a client and a server network namespace joined
# by a user-space delay line (delayline.c, two TUN devices) instead of netem.
# Traffic stays on this machine: only 198.18.0.0/24 and 2001:2::/64 are used.
# Run "lab.sh help" for usage. Needs root.
set -euo pipefail

LAB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
SELF="$LAB_DIR/lab.sh"
SRC="$LAB_DIR/delayline.c"
BIN_DIR="$LAB_DIR/bin"
BIN="$BIN_DIR/delayline"
STATE_DIR="${WSKLAB_STATE_DIR:-/run/wsklab}"
DEFAULT_NAME="${WSKLAB_NAME:-wsklab}"
CFLAGS_DL=(-std=c11 -O2 -Wall -Wextra -Werror)

CLIENT_V4=198.18.0.1
SERVER_V4=198.18.0.2
SERVER2_V4=198.18.0.3
V4_PREFIX=24
CLIENT_V6=2001:2::1
SERVER_V6=2001:2::2
SERVER2_V6=2001:2::3
V6_PREFIX=64
MTU=1500

log() { printf 'lab.sh: %s\n' "$*" >&2; }
die() {
    printf 'lab.sh: error: %s\n' "$*" >&2
    exit 1
}

usage() {
    cat <<EOF
usage: lab.sh COMMAND [--name NAME] [options]

  up [--name NAME] [--delay-ms D] [--jitter-ms J] [--loss P] [--seed N]
     [--rate-kbit R] [--blackhole-syn-data ADDR]... [--max-seconds N]
     [--parent-pid PID]... [--no-ipv6] [--force]
        Create namespaces NAME-c (client) and NAME-s (server) joined by delayline.
        Defaults: NAME=$DEFAULT_NAME, delay 10 ms one-way, no jitter/loss/rate limit,
        stops by itself after 3600 s. --force tears an existing lab down first.
  down [--name NAME]          stop delayline, delete both namespaces (never fails)
  status [--name NAME]        show state, addresses and delayline counters (exit 3 if down)
  ping [--name NAME] [-c N] [ADDR]
                              RTT from the client ns (default ADDR $SERVER_V4)
  exec-client [--name NAME] [--] CMD...   run CMD in the client namespace
  exec-server [--name NAME] [--] CMD...   run CMD in the server namespace
  env [--name NAME]           print the lab's state (KEY=VALUE lines)
  build                       (re)build bin/delayline if missing or stale

Addresses: client $CLIENT_V4/$V4_PREFIX $CLIENT_V6/$V6_PREFIX;
           server $SERVER_V4 and $SERVER2_V4 /$V4_PREFIX, $SERVER_V6 and $SERVER2_V6 /$V6_PREFIX.
Environment: WSKLAB_NAME (default name), WSKLAB_STATE_DIR (default /run/wsklab).
EOF
}

set_name() {
    NAME=$1
    [[ $NAME =~ ^[a-z][a-z0-9_-]{0,11}$ ]] ||
        die "invalid name '$NAME' (1-12 chars: a lowercase letter, then a-z 0-9 _ -)"
    NS_C="$NAME-c"
    NS_S="$NAME-s"
    DEV_C="${NAME}c0" # <= 14 chars, IFNAMSIZ is 16
    DEV_S="${NAME}s0"
    STATE="$STATE_DIR/$NAME.state"
    LOG="$STATE_DIR/$NAME.log"
    PID_DL="$STATE_DIR/$NAME.delayline.pid"
    PID_SUP="$STATE_DIR/$NAME.supervisor.pid"
    LOCK="$STATE_DIR/lock" # one lock for all labs: up/down are serialized
}

require_root() {
    [[ $EUID -eq 0 ]] || die "must run as root (network namespaces and TUN devices)"
}

need_cmd() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found; install Debian package '$2'"
}

need_arg() { # OPTION VALUE
    [[ $# -ge 2 && -n $2 ]] || die "option $1 needs a value"
}

ns_exists() { [[ -e /run/netns/$1 ]]; }

# --- processes ---------------------------------------------------------------

# Alive and not a zombie (a reaped-later child of the supervisor counts as dead).
pid_alive() {
    local pid=$1 stat=""
    [[ $pid =~ ^[1-9][0-9]*$ ]] || return 1
    read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
    stat=${stat##*) }
    [[ -n $stat && ${stat:0:1} != Z && ${stat:0:1} != X ]]
}

pid_cmdline() { # prints argv joined by spaces, with a trailing space
    local -a argv=()
    mapfile -d '' -t argv 2>/dev/null <"/proc/$1/cmdline" || return 0
    ((${#argv[@]})) && printf '%s ' "${argv[@]}"
    return 0
}

is_our_delayline() {
    local c
    pid_alive "$1" || return 1
    c=$(pid_cmdline "$1")
    [[ $c == *delayline\ * && $c == *" $DEV_C $DEV_S " ]]
}

is_our_supervisor() {
    local c
    pid_alive "$1" || return 1
    c=$(pid_cmdline "$1")
    [[ $c == *lab.sh\ _supervise\ "$NAME"\ * ]]
}

read_pid() { # FILE -> pid or nothing
    local p=""
    if [[ -r $1 ]]; then read -r p 2>/dev/null <"$1" || true; fi
    [[ $p =~ ^[1-9][0-9]*$ ]] && printf '%s\n' "$p"
    return 0
}

# Our processes (by pid file, plus any stray one whose command line names this lab).
find_pids() { # delayline|supervisor
    local kind=$1 pidfile d pid comm
    local -A seen=()
    if [[ $kind == delayline ]]; then pidfile=$PID_DL; else pidfile=$PID_SUP; fi
    pid=$(read_pid "$pidfile")
    if [[ -n $pid ]] && "is_our_$kind" "$pid"; then
        seen[$pid]=1
        printf '%s\n' "$pid"
    fi
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        if [[ -n ${seen[$pid]-} || $pid == "$$" ]]; then continue; fi
        comm=""
        read -r comm 2>/dev/null <"$d/comm" || continue
        case $kind:$comm in
        delayline:delayline | supervisor:bash | supervisor:lab.sh) ;;
        *) continue ;;
        esac
        if "is_our_$kind" "$pid"; then printf '%s\n' "$pid"; fi
    done
    return 0
}

wait_gone() { # PID TENTHS
    local i
    for ((i = 0; i < $2; i++)); do
        pid_alive "$1" || return 0
        sleep 0.1
    done
    ! pid_alive "$1"
}

stop_pid() { # PID WHAT
    pid_alive "$1" || return 0
    kill -TERM "$1" 2>/dev/null || true
    wait_gone "$1" 50 && return 0
    log "$2 (pid $1) ignored SIGTERM; sending SIGKILL"
    kill -KILL "$1" 2>/dev/null || true
    wait_gone "$1" 20 || log "warning: $2 (pid $1) is still alive"
}

# Kill whatever still runs inside our namespaces, then delete them.
teardown_namespaces() {
    local ns pid left
    local -a pids
    for ns in "$NS_C" "$NS_S"; do
        ns_exists "$ns" || continue
        mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null || true)
        for pid in "${pids[@]}"; do
            [[ $pid =~ ^[0-9]+$ && $pid != "$$" ]] || continue
            log "stopping pid $pid ($(pid_cmdline "$pid"| cut -c1-60)) still running in $ns"
            kill -TERM "$pid" 2>/dev/null || true
        done
        for pid in "${pids[@]}"; do
            [[ $pid =~ ^[0-9]+$ && $pid != "$$" ]] || continue
            wait_gone "$pid" 30 || { kill -KILL "$pid" 2>/dev/null || true; }
        done
        ip netns delete "$ns" 2>/dev/null || true
        if ns_exists "$ns"; then log "warning: could not delete namespace $ns"; fi
    done
    left=$(ip netns pids "$NS_C" 2>/dev/null; ip netns pids "$NS_S" 2>/dev/null) || true
    [[ -z $left ]] || log "warning: processes still in lab namespaces: $left"
}

# --- state ---------------------------------------------------------------------

state_get() { # KEY -> value from the state file
    [[ -r $STATE ]] || return 0
    awk -v k="$1" 'index($0, k "=") == 1 { print substr($0, length(k) + 2); exit }' "$STATE"
}

lab_present() { # any trace of lab NAME?
    [[ -e $STATE ]] || ns_exists "$NS_C" || ns_exists "$NS_S" ||
        [[ -n $(find_pids delayline) || -n $(find_pids supervisor) ]]
}

take_lock() {
    mkdir -p "$STATE_DIR"
    exec 9>"$LOCK"
    flock -w 60 9 || die "another 'lab.sh up/down' has held $LOCK for 60 s"
}

build_delayline() {
    if [[ -x $BIN && ! $SRC -nt $BIN ]]; then return 0; fi
    need_cmd gcc gcc
    mkdir -p "$BIN_DIR"
    log "building $BIN"
    gcc "${CFLAGS_DL[@]}" -o "$BIN.tmp.$$" "$SRC" || { rm -f "$BIN.tmp.$$"; die "building delayline failed"; }
    mv -f "$BIN.tmp.$$" "$BIN"
}

ns_sysctl() { # NS KEY=VALUE
    local ns=$1 key=${2%%=*} val=${2#*=}
    if command -v sysctl >/dev/null 2>&1; then
        ip netns exec "$ns" sysctl -q -w "$key=$val" >/dev/null
    else
        # shellcheck disable=SC2016 # expanded by the inner sh
        ip netns exec "$ns" sh -c 'echo "$1" >"/proc/sys/$2"' sh "$val" "${key//.//}"
    fi
}

# --- down --------------------------------------------------------------------

do_down() { # never fails
    local pid
    for pid in $(find_pids delayline); do stop_pid "$pid" delayline; done
    # The supervisor removes the namespaces once delayline is gone; let it finish.
    for pid in $(find_pids supervisor); do
        wait_gone "$pid" 100 || stop_pid "$pid" supervisor
    done
    teardown_namespaces
    rm -f "$STATE" "$STATE.tmp."* "$PID_DL" "$PID_SUP"
    return 0
}

cmd_down() {
    local name=$DEFAULT_NAME
    while (($#)); do
        case $1 in
        --name) need_arg "$@"; name=$2; shift 2 ;;
        -h | --help) usage; return 0 ;;
        *) die "down: unknown argument '$1'" ;;
        esac
    done
    require_root
    set_name "$name"
    take_lock
    local was_up=0
    lab_present && was_up=1
    do_down
    if ((was_up)); then
        echo "lab '$NAME' is down (namespaces $NS_C $NS_S removed)"
        if [[ -r $LOG ]]; then
            grep -E '^delayline: (stopping|.*->.* rx=|syn_data_dropped=)' "$LOG" | tail -n 4 || true
        fi
    else
        echo "lab '$NAME' was not up"
    fi
}

# --- supervisor (internal) -----------------------------------------------------

slog() { printf '%(%F %T)T supervisor: %s\n' -1 "$*"; }

# lab.sh _supervise NAME DELAYLINE-OPTIONS...
# Runs delayline as its child; when delayline ends for any reason (down,
# --max-seconds, --parent-pid gone, device deleted) it removes the namespaces.
cmd_supervise() {
    set_name "$1"
    shift
    trap '' HUP INT
    local dl_pid="" rc=0
    trap '[[ -n $dl_pid ]] && kill -TERM "$dl_pid" 2>/dev/null; true' TERM
    printf '%s\n' "$$" >"$PID_SUP"
    "$BIN" --parent-pid "$$" "$@" "$DEV_C" "$DEV_S" </dev/null &
    dl_pid=$!
    printf '%s\n' "$dl_pid" >"$PID_DL"
    slog "started delayline pid $dl_pid"
    while :; do
        rc=0
        wait "$dl_pid" || rc=$?
        [[ -e /proc/$dl_pid ]] || break # reaped; otherwise a signal interrupted wait
    done
    slog "delayline exited (status $rc); removing namespaces $NS_C $NS_S"
    teardown_namespaces
    rm -f "$STATE" "$PID_DL" "$PID_SUP"
    slog "done"
}

# --- up ------------------------------------------------------------------------

UP_DONE=0
up_on_exit() {
    local rc=$?
    trap - EXIT ERR
    if ((UP_DONE == 0)); then
        log "up did not complete; cleaning up what it created"
        do_down
        ((rc != 0)) || rc=1
    fi
    exit "$rc"
}

cmd_up() {
    local name=$DEFAULT_NAME delay=10 jitter=0 loss=0 seed=1 rate=0 max_seconds=3600 force=0 ipv6=1
    local -a blackholes=() parents=()
    while (($#)); do
        case $1 in
        --name) need_arg "$@"; name=$2; shift 2 ;;
        --delay-ms) need_arg "$@"; delay=$2; shift 2 ;;
        --jitter-ms) need_arg "$@"; jitter=$2; shift 2 ;;
        --loss) need_arg "$@"; loss=$2; shift 2 ;;
        --seed) need_arg "$@"; seed=$2; shift 2 ;;
        --rate-kbit) need_arg "$@"; rate=$2; shift 2 ;;
        --max-seconds) need_arg "$@"; max_seconds=$2; shift 2 ;;
        --blackhole-syn-data) need_arg "$@"; blackholes+=("$2"); shift 2 ;;
        --parent-pid) need_arg "$@"; parents+=("$2"); shift 2 ;;
        --no-ipv6) ipv6=0; shift ;;
        --force) force=1; shift ;;
        -h | --help) usage; return 0 ;;
        *) die "up: unknown argument '$1' (see 'lab.sh help')" ;;
        esac
    done
    require_root
    set_name "$name"
    need_cmd ip iproute2
    need_cmd setsid util-linux
    need_cmd flock util-linux
    [[ -c /dev/net/tun ]] || die "/dev/net/tun is missing (TUN support needed)"

    take_lock
    if lab_present; then
        if ((force)); then
            log "--force: tearing down the existing lab '$NAME' first"
            do_down
        else
            die "lab '$NAME' is already up (or left over: state $STATE, namespaces $NS_C/$NS_S). Run 'lab.sh down --name $NAME' first, or use 'lab.sh up --force'."
        fi
    fi
    build_delayline

    local -a dl_args=(--delay-ms "$delay" --jitter-ms "$jitter" --loss "$loss" --seed "$seed"
        --rate-kbit "$rate" --max-seconds "$max_seconds")
    local b p out
    for b in "${blackholes[@]}"; do dl_args+=(--blackhole-syn-data "$b"); done
    for p in "${parents[@]}"; do dl_args+=(--parent-pid "$p"); done
    if ! out=$("$BIN" --check "${dl_args[@]}" "$DEV_C" "$DEV_S" 2>&1); then
        printf '%s\n' "$out" >&2
        die "invalid options"
    fi
    local dev
    for dev in "$DEV_C" "$DEV_S"; do
        if ip link show dev "$dev" >/dev/null 2>&1; then
            die "a network device named '$dev' already exists in the host namespace"
        fi
    done

    # From here on, anything that fails tears down what was created.
    UP_DONE=0
    trap up_on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    set -E
    trap 'log "up failed at line $LINENO: $BASH_COMMAND"' ERR

    : >"$LOG"
    local started
    started=$(date +%s)
    write_state starting "$started" "" ""

    ip netns add "$NS_C"
    ip netns add "$NS_S"
    local ns
    for ns in "$NS_C" "$NS_S"; do
        ip -n "$ns" link set lo up
        ns_sysctl "$ns" net.ipv4.tcp_fastopen=3
        # no global TFO "blackhole" back-off: keeps TFO tests deterministic
        ns_sysctl "$ns" net.ipv4.tcp_fastopen_blackhole_timeout_sec=0 ||
            log "note: net.ipv4.tcp_fastopen_blackhole_timeout_sec not settable in $ns"
    done

    # Supervisor + delayline, detached from this shell (own session, no lock fd).
    rm -f "$PID_DL" "$PID_SUP"
    setsid "$BASH" "$SELF" _supervise "$NAME" "${dl_args[@]}" </dev/null >>"$LOG" 2>&1 9>&- &

    local i dl_pid="" sup_pid=""
    for ((i = 0; i < 100; i++)); do
        sup_pid=$(read_pid "$PID_SUP")
        dl_pid=$(read_pid "$PID_DL")
        if [[ -n $dl_pid ]] && grep -qx ready "$LOG" 2>/dev/null; then break; fi
        if [[ -n $sup_pid ]] && ! pid_alive "$sup_pid"; then break; fi
        sleep 0.05
    done
    if [[ -z $dl_pid ]] || ! grep -qx ready "$LOG" 2>/dev/null || ! pid_alive "$dl_pid"; then
        sed 's/^/  | /' "$LOG" >&2 || true
        die "delayline did not start (log above, $LOG)"
    fi

    ip link set "$DEV_C" netns "$NS_C"
    ip link set "$DEV_S" netns "$NS_S"
    ip -n "$NS_C" link set "$DEV_C" mtu "$MTU" up
    ip -n "$NS_S" link set "$DEV_S" mtu "$MTU" up
    ip -n "$NS_C" addr add "$CLIENT_V4/$V4_PREFIX" dev "$DEV_C"
    ip -n "$NS_S" addr add "$SERVER_V4/$V4_PREFIX" dev "$DEV_S"
    ip -n "$NS_S" addr add "$SERVER2_V4/$V4_PREFIX" dev "$DEV_S"
    if ((ipv6)); then
        ip -n "$NS_C" -6 addr add "$CLIENT_V6/$V6_PREFIX" dev "$DEV_C" nodad
        ip -n "$NS_S" -6 addr add "$SERVER_V6/$V6_PREFIX" dev "$DEV_S" nodad
        ip -n "$NS_S" -6 addr add "$SERVER2_V6/$V6_PREFIX" dev "$DEV_S" nodad
    fi
    # the connected /24 (and /64) routes point through the TUN devices; check it
    local route
    route=$(ip -n "$NS_C" route get "$SERVER_V4")
    [[ $route == *" dev $DEV_C "* ]] || die "no route to $SERVER_V4 via $DEV_C: $route"
    route=$(ip -n "$NS_S" route get "$CLIENT_V4")
    [[ $route == *" dev $DEV_S "* ]] || die "no route to $CLIENT_V4 via $DEV_S: $route"
    pid_alive "$dl_pid" || die "delayline exited during setup (see $LOG)"

    LAB_DELAY=$delay LAB_JITTER=$jitter LAB_LOSS=$loss LAB_SEED=$seed LAB_RATE=$rate
    LAB_MAXSEC=$max_seconds LAB_IPV6=$ipv6
    LAB_BH=$(IFS=,; echo "${blackholes[*]}")
    LAB_PARENTS=$(IFS=,; echo "${parents[*]}")
    write_state up "$started" "$dl_pid" "$sup_pid"
    UP_DONE=1
    trap - EXIT ERR INT TERM
    set +E

    local rtt
    rtt=$(awk -v d="$delay" 'BEGIN { printf "%g", 2 * d }')
    echo "lab '$NAME' is up: delay ${delay} ms one-way (RTT ~${rtt} ms), jitter ${jitter} ms, loss ${loss}%, rate $([[ $rate == 0 ]] && echo unlimited || echo "$rate kbit/s")"
    echo "  client: ns $NS_C dev $DEV_C  $CLIENT_V4/$V4_PREFIX$( ((ipv6)) && echo "  $CLIENT_V6/$V6_PREFIX")"
    echo "  server: ns $NS_S dev $DEV_S  $SERVER_V4 $SERVER2_V4 /$V4_PREFIX$( ((ipv6)) && echo "  $SERVER_V6 $SERVER2_V6 /$V6_PREFIX")"
    echo "  blackhole SYN-data to: ${LAB_BH:-none}"
    echo "  delayline pid $dl_pid (supervisor $sup_pid) stops by itself after ${max_seconds} s; log $LOG"
    echo "  use: $SELF exec-server CMD... | exec-client CMD... | ping | status | down$([[ $NAME != "$DEFAULT_NAME" ]] && echo " (with --name $NAME)")"
}

write_state() { # STATUS STARTED DL_PID SUP_PID
    local tmp="$STATE.tmp.$$"
    {
        echo "STATUS=$1"
        echo "NAME=$NAME"
        echo "CLIENT_NS=$NS_C"
        echo "SERVER_NS=$NS_S"
        echo "CLIENT_DEV=$DEV_C"
        echo "SERVER_DEV=$DEV_S"
        echo "CLIENT_ADDR=$CLIENT_V4"
        echo "SERVER_ADDR=$SERVER_V4"
        echo "SERVER_ADDR2=$SERVER2_V4"
        if [[ ${LAB_IPV6:-1} == 1 ]]; then
            echo "CLIENT_ADDR6=$CLIENT_V6"
            echo "SERVER_ADDR6=$SERVER_V6"
            echo "SERVER_ADDR6_2=$SERVER2_V6"
        fi
        echo "DELAY_MS=${LAB_DELAY-}"
        echo "JITTER_MS=${LAB_JITTER-}"
        echo "LOSS_PCT=${LAB_LOSS-}"
        echo "SEED=${LAB_SEED-}"
        echo "RATE_KBIT=${LAB_RATE-}"
        echo "BLACKHOLE_SYN_DATA=${LAB_BH-}"
        echo "MAX_SECONDS=${LAB_MAXSEC-}"
        echo "PARENT_PIDS=${LAB_PARENTS-}"
        echo "DELAYLINE_PID=$3"
        echo "SUPERVISOR_PID=$4"
        echo "STARTED_AT=$2"
        echo "LOG=$LOG"
    } >"$tmp"
    mv -f "$tmp" "$STATE"
}

# --- status / ping / exec / env ----------------------------------------------

parse_name_only() { # sets NAME_ARG and REST_ARGS
    NAME_ARG=$DEFAULT_NAME
    REST_ARGS=()
    while (($#)); do
        case $1 in
        --name) need_arg "$@"; NAME_ARG=$2; shift 2 ;;
        --) shift; REST_ARGS+=("$@"); break ;;
        *) REST_ARGS+=("$@"); break ;;
        esac
    done
}

cmd_status() {
    parse_name_only "$@"
    ((${#REST_ARGS[@]} == 0)) || die "status: unknown argument '${REST_ARGS[0]}'"
    set_name "$NAME_ARG"
    if ! lab_present; then
        echo "lab '$NAME' is down"
        return 3
    fi
    local dl="" sup="" ok=1 started
    local -a pids
    mapfile -t pids < <(find_pids delayline)
    ((${#pids[@]} == 0)) || dl=${pids[0]}
    mapfile -t pids < <(find_pids supervisor)
    ((${#pids[@]} == 0)) || sup=${pids[0]}
    started=$(state_get STARTED_AT)
    echo "lab '$NAME': status $(state_get STATUS)${started:+, up $(($(date +%s) - started)) s of $(state_get MAX_SECONDS) s}"
    echo "  delay $(state_get DELAY_MS) ms, jitter $(state_get JITTER_MS) ms, loss $(state_get LOSS_PCT)%, rate_kbit $(state_get RATE_KBIT) (0 = unlimited), blackhole SYN-data: $(state_get BLACKHOLE_SYN_DATA | sed "s/^$/none/")"
    if [[ -n $dl ]]; then echo "  delayline: pid $dl"; else echo "  delayline: NOT RUNNING"; ok=0; fi
    if [[ -n $sup ]]; then echo "  supervisor: pid $sup"; else echo "  supervisor: NOT RUNNING"; ok=0; fi
    local ns dev
    for ns in "$NS_C" "$NS_S"; do
        [[ $ns == "$NS_C" ]] && dev=$DEV_C || dev=$DEV_S
        if ns_exists "$ns"; then
            echo "  $ns: $(ip -n "$ns" -br addr show dev "$dev" 2>/dev/null || echo "device $dev MISSING")"
            ip -n "$ns" link show dev "$dev" >/dev/null 2>&1 || ok=0
        else
            echo "  $ns: namespace MISSING"
            ok=0
        fi
    done
    if [[ -n $dl ]]; then
        kill -USR1 "$dl" 2>/dev/null || true
        sleep 0.2
        grep -E '^delayline: (.*->.* rx=|syn_data_dropped=)' "$LOG" 2>/dev/null | tail -n 3 | sed 's/^delayline: /  /' || true
    fi
    if ((ok)); then return 0; fi
    echo "  lab '$NAME' is degraded; run 'lab.sh down --name $NAME'"
    return 3
}

cmd_ping() {
    local name=$DEFAULT_NAME count=5 target=""
    while (($#)); do
        case $1 in
        --name) need_arg "$@"; name=$2; shift 2 ;;
        -c | --count) need_arg "$@"; count=$2; shift 2 ;;
        -*) die "ping: unknown option '$1'" ;;
        *) target=$1; shift ;;
        esac
    done
    [[ $count =~ ^[1-9][0-9]{0,3}$ ]] || die "ping: bad count '$count'"
    require_root
    set_name "$name"
    ns_exists "$NS_C" || die "lab '$NAME' is not up"
    target=${target:-$SERVER_V4}
    if command -v ping >/dev/null 2>&1; then
        ip netns exec "$NS_C" ping -n -c "$count" -i 0.2 -W 2 "$target"
        return
    fi
    # Fallback without iputils-ping: time TCP connects to port 9 (refused -> RST
    # after one round trip; accepted -> SYN-ACK after one round trip).
    [[ $target != *:* ]] || die "ping: the /dev/tcp fallback needs an IPv4 address (install iputils-ping)"
    echo "ping not installed; timing TCP connects to $target:9 from $NS_C"
    # shellcheck disable=SC2016 # expanded by the inner bash
    ip netns exec "$NS_C" bash -c '
        min="" max=0 sum=0
        for ((i = 1; i <= $2; i++)); do
            t0=${EPOCHREALTIME//[!0-9]/}
            true 2>/dev/null 3<>"/dev/tcp/$1/9" || true
            t1=${EPOCHREALTIME//[!0-9]/}
            us=$((t1 - t0)) sum=$((sum + us))
            if [[ -z $min ]] || ((us < min)); then min=$us; fi
            if ((us > max)); then max=$us; fi
            printf "tcp connect to %s:9 seq=%d time=%d.%03d ms\n" "$1" "$i" $((us / 1000)) $((us % 1000))
            sleep 0.2
        done
        avg=$((sum / $2))
        printf "rtt min/avg/max = %d.%03d/%d.%03d/%d.%03d ms\n" $((min / 1000)) $((min % 1000)) \
            $((avg / 1000)) $((avg % 1000)) $((max / 1000)) $((max % 1000))
    ' _ "$target" "$count"
}

cmd_exec() { # client|server [--name NAME] [--] CMD...
    local side=$1
    shift
    parse_name_only "$@"
    ((${#REST_ARGS[@]})) || die "exec-$side: no command given"
    require_root
    set_name "$NAME_ARG"
    local ns=$NS_C
    [[ $side == server ]] && ns=$NS_S
    ns_exists "$ns" || die "lab '$NAME' is not up (no namespace $ns)"
    exec ip netns exec "$ns" "${REST_ARGS[@]}"
}

cmd_env() {
    parse_name_only "$@"
    set_name "$NAME_ARG"
    [[ -r $STATE ]] || die "lab '$NAME' is not up"
    cat "$STATE"
}

main() {
    local cmd=${1-help}
    (($#)) && shift
    case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    ping) cmd_ping "$@" ;;
    exec-client) cmd_exec client "$@" ;;
    exec-server) cmd_exec server "$@" ;;
    env) cmd_env "$@" ;;
    build) build_delayline ;;
    _supervise) cmd_supervise "$@" ;;
    help | -h | --help) usage ;;
    *)
        usage >&2
        die "unknown command '$cmd'"
        ;;
    esac
}

main "$@"; exit  # keep on one line: bash never reads past it (safe if the file is edited while a supervisor runs)
