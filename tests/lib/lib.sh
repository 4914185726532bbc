# tests/lib/lib.sh: the one shell library of the tests (sourced by bash).
#
# Results: pass TEXT ("ok: TEXT"), fail TEXT ("FAIL: TEXT", counted in
# $fails), skip TEXT ("SKIP: TEXT", exit 77: meson's skip), die TEXT (a fail,
# then exit 1), finish (exit 1 with the count if anything failed, else "all
# passed"). need_root and need CMD... skip when root or a command is missing.
#
# Temporary directory and cleanup: make_tmp SUFFIX [DIR] makes $tmp (in DIR,
# default /var/tmp, which allows O_DIRECT, unlike tmpfs) and removes it on
# exit; at_exit CMD adds a command to run on exit, in the order added, before
# $tmp goes ($keep_tmp or KEEP_TMP non-empty keeps it, and says so).
#
# Configurations: mkconf OPTION... (tests/lib/mkconf, the one generator);
# write_conf INDEX ADDR0 ADDR1 ADDR2 writes $tmp/conf.INDEX for the agent
# tests.
#
# Agents (the end-to-end tests): agent_args "$@" reads the test's arguments
# (HBAGENT HBCTL HBWATCHDOG_TEST CTL_CLIENT [UDP_INJECT]); agent_test SUFFIX
# PORT_SALT skips without root or jq, and sets up $tmp, $port, the arrays
# pids and helpers and a cleanup that kills every agent and helper and shows
# the logs on failure (or with KEEP_TMP set). The caller sets hbagent, helper
# (hbwatchdog-test) and client (hbagent-ctl-client), or agent_args does;
# optionally statefile (default $tmp/statefile) and agent_env (an array of
# VAR=VALUE for start_agent). $HBAGENT_ARGS adds agent options (e.g.
# --no-mlock for a sanitizer build). read_timing reads conf.0's timing ($tj,
# $W, $failover, $join); form_pool starts three agents and waits for the
# pool.
#
# The xapi scripts' tests: expect_rc RUN WANT N SCRIPT ARGS... runs one
# script of host N through the test's runner RUN (which sets $rc, $out and
# $err) and passes when it exits WANT.

lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fails=${fails:-0}

pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
skip() { echo "SKIP: $*"; exit 77; }
die() { fail "$@"; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || skip "${1:-needs root}"; }
need() { # CMD...: skip unless every command is there
	local c
	for c in "$@"; do command -v "$c" >/dev/null || skip "needs $*"; done
}
finish() {
	[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
	echo "all passed"
	exit 0
}
now_ms() { date +%s%3N; }

# wait_for SECONDS CMD...: run CMD every 100 ms until it succeeds
wait_for() {
	local limit=$(($(now_ms) + $1 * 1000)); shift
	while [ "$(now_ms)" -lt "$limit" ]; do
		"$@" >/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# --- temporary directory and cleanup ----------------------------------------
declare -a exit_hooks=()
keep_tmp=""
at_exit() { exit_hooks+=("$1"); }
run_exit_hooks() {
	local h
	set +e
	for h in "${exit_hooks[@]}"; do eval "$h"; done
	[ -n "${tmp:-}" ] || return 0
	if [ -n "$keep_tmp" ] || [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap run_exit_hooks EXIT
# make_tmp SUFFIX [DIR]: $tmp, a private directory removed on exit
make_tmp() { tmp=$(mktemp -d --tmpdir="${2:-/var/tmp}" --suffix="$1"); }

# --- configurations ----------------------------------------------------------
MKCONF=$lib_dir/mkconf
mkconf() { "$MKCONF" "$@"; }

gen=7c4b2a10-5d3e-4f60-8a71-92b3c4d5e6f7
uuid=(11111111-1111-4111-8111-111111111111 22222222-2222-4222-8222-222222222222
	33333333-3333-4333-8333-333333333333)
# xapi's timing for T = 6 with W = 3 s (mkconf --timing; `hbctl timeouts -T 6`)
timing_t6=1,6,2,6,6,21,66,66,3
# uuid_of INDEX: the host UUIDs of the larger test pools, sorted by index
uuid_of() { printf '%08x-0000-4000-8000-%012x' $(($1 + 1)) $(($1 + 1)); }

# write_conf INDEX ADDR0 ADDR1 ADDR2: $tmp/conf.INDEX, timing T = 6 with
# W = 3 s, the test watchdog backend, a per-host fence log and control socket
write_conf() {
	local i=$1
	mkconf --gen "$gen" --port "$port" --host "${uuid[0]}" "$2" --host "${uuid[1]}" "$3" --host "${uuid[2]}" "$4" \
		--timing "$timing_t6" --local "${uuid[$i]}" --statefile "${statefile:-$tmp/statefile}" --backend test \
		--fence-log "$tmp/fence.$i.log" --ctl "$tmp/ctl.$i.sock" >"$tmp/conf.$i"
}

# --- agents ------------------------------------------------------------------
# agent_args HBAGENT HBCTL HBWATCHDOG_TEST CTL_CLIENT [UDP_INJECT]: the agent
# tests' arguments: $hbagent, $hbctl, $helper, $client and $inject
# (hbagent-udp-inject, for the tests that forge heartbeats; "" without)
agent_args() {
	hbagent=${1:?hbagent} hbctl=${2:?hbctl} helper=${3:?hbwatchdog-test} client=${4:?ctl client}
	inject=${5:-}
}

# agent_test SUFFIX PORT_SALT: skip without root or jq (the agents' tests
# need both: status and field read the control socket's JSON with jq); $tmp,
# $port (from the pid and PORT_SALT), the pids and helpers arrays, and a
# cleanup that kills them all
agent_test() {
	need_root
	need jq
	make_tmp "$1"
	declare -ga pids=() helpers=()
	port=$((20000 + ($$ + ${2:-0}) % 20000))
	at_exit kill_all
	at_exit '{ [ "$fails" -ne 0 ] || [ -n "${KEEP_TMP:-}" ]; } && show_logs'
}

# start_agent INDEX: host INDEX's agent in the background (conf, lock and
# log in $tmp), its environment $agent_env
start_agent() {
	env "${agent_env[@]}" HB_WATCHDOG_TEST_HELPER=$helper "$hbagent" -c "$tmp/conf.$1" -l "$tmp/lock.$1" --no-syslog \
		${HBAGENT_ARGS:-} >>"$tmp/agent.$1.log" 2>&1 &
	pids[$1]=$!
}
declare -a agent_env=()

# pid_running PID: PID is a running process: its state is readable and
# neither zombie (Z: exited, reaped late by a subreaper) nor dead (X: being
# reaped). kill -0 alone is not enough: it succeeds for both, and a
# process reaped between kill -0 and reading its status would count as
# running.
pid_running() {
	local s
	s=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}

# read_timing: $tj, conf.0's `hbctl timeouts --json`; $W, its watchdog
# timeout, and $failover, its failover bound, in ms; and $join, its enable
# join timeout in s (how long a forming pool may take). Dies when hbctl
# refuses the timing.
read_timing() {
	tj=$("$hbctl" -c "$tmp/conf.0" timeouts --json) || die "hbctl timeouts refused the test timing"
	W=$(jq -r .configured.watchdog_timeout_ms <<<"$tj")
	failover=$(jq -r .bounds.failover_bound_ms <<<"$tj")
	join=$(($(jq -r .configured.enable_join_timeout_ms <<<"$tj") / 1000))
}

# form_pool [WHAT]: initialise the statefile of conf.0, start agents 0, 1
# and 2, and wait (read_timing's $join) until all three are Online, armed,
# with liveset 0,1,2: pass WHAT, and remember each one's watchdog helper;
# else die with each host's state.
form_pool() {
	"$hbctl" -c "$tmp/conf.0" statefile init >/dev/null || die "statefile init"
	for i in 0 1 2; do start_agent $i; done
	wait_for "$join" all_online ||
		die "pool did not form: $(for i in 0 1 2; do status $i | jq -c '{phase,liveset,armed,sf_access}'; done)"
	pass "${1:-pool formed}"
	for i in 0 1 2; do remember_helper $i $i; done
}

# need_raw_sockets MODE: skip unless $inject (hbagent-udp-inject) may send
# through a raw socket: one MODE packet "from host 2" to a port nobody
# listens on
need_raw_sockets() {
	local rc
	[ -n "${inject:-}" ] || die "no hbagent-udp-inject (the fifth argument)"
	"$inject" "$tmp/conf.2" "$1" 2 127.0.0.2 $((port == 65535 ? 1024 : port + 1)) 2>"$tmp/probe.err"
	rc=$?
	[ $rc -eq 3 ] && skip "raw sockets not permitted: $(cat "$tmp/probe.err")"
	[ $rc -eq 0 ] || die "udp_inject probe: exit $rc: $(cat "$tmp/probe.err")"
}

# expect_rc RUN WANT N SCRIPT ARGS...: RUN N SCRIPT ARGS... (the test's
# runner of host N's xapi script SCRIPT, which sets $rc, $out and $err),
# then pass when it exited WANT, else fail with its output; returns 0 on a
# pass
expect_rc() {
	local expect_run=$1 expect_want=$2
	shift 2
	"$expect_run" "$@"
	if [ "$rc" -eq "$expect_want" ]; then
		pass "host $1: $2 ${*:3} -> $rc"
		return 0
	fi
	fail "host $1: $2 ${*:3} -> $rc, expected $expect_want (stderr: $err; stdout: $out)"
	return 1
}

# ctl INDEX JSON: one request to host INDEX's control socket (the whole
# response line: {"v":1,"ok":...,"result":...}; docs/control.md)
# (the sockets are in $ctl_dir, default $tmp)
ctl() { "$client" "${ctl_dir:-$tmp}/ctl.$1.sock" "$2" 2>/dev/null; }
status() { ctl "$1" '{"v":1,"cmd":"status"}' | jq -c .result 2>/dev/null; }
# field INDEX JQ: one value of host INDEX's status, "" when it does not answer
field() { status "$1" | jq -c "$2" 2>/dev/null; }
# online INDEX LIVESET_JSON: host INDEX is online and armed with that liveset
online() { [ "$(field "$1" '[.phase, .liveset, .armed]')" = "[\"online\",$2,true]" ]; }
all_online() { online 0 '[0,1,2]' && online 1 '[0,1,2]' && online 2 '[0,1,2]'; }

# fence_time INDEX: wall-clock ms of the first line of host INDEX's fence log
fence_time() {
	local f=$tmp/fence.$1.log
	[ -s "$f" ] || return 1
	date -d "$(head -n1 "$f" | cut -d' ' -f1)" +%s%3N
}

# remember_helper INDEX SLOT: the pid of host INDEX's armed watchdog helper
remember_helper() { helpers[$2]=$(field "$1" '.watchdog.identity' | tr -dc '0-9'); }

# kill_all: every agent and helper this test started, by pid, then any
# helper left whose command line names this test's private directory
kill_all() {
	local p
	for p in "${helpers[@]}" "${pids[@]}"; do
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	done
	for p in $(pgrep -f -- "$tmp/" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
}

show_logs() {
	local f
	for f in "$tmp"/agent.*.log; do
		[ -e "$f" ] && { echo "==== $f"; tail -n 60 "$f"; }
	done
}
