"""pool_agents.py: the hosts of an hbpool pool: their xhad.conf and pool key,
starting and killing the real hbagent inside each host's network namespace,
the control-socket client (docs/control.md) and the xapi scripts the
scenario language drives (ha_propose_master, ha_disarm_fencing,
ha_stop_daemon, ha_set_excluded, ha_set_pool_state).

Times here are in milliseconds of the pool (already scaled by --scale)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import testlib  # noqa: E402  (tests/lib: the config generator)

GEN = "7c4b2a10-5d3e-4f60-8a71-92b3c4d5e6f7"
PARAM_NAMES = [  # xhad.conf element, key in `hbctl timeouts --json` .configured
    ("HeartbeatInterval", "heartbeat_interval_ms"),
    ("HeartbeatTimeout", "heartbeat_timeout_ms"),
    ("StateFileInterval", "statefile_interval_ms"),
    ("StateFileTimeout", "statefile_timeout_ms"),
    ("HeartbeatWatchdogTimeout", "heartbeat_watchdog_timeout_ms"),
    ("StateFileWatchdogTimeout", "statefile_watchdog_timeout_ms"),
    ("WatchdogTimeout", "watchdog_timeout_ms"),
    ("BootJoinTimeout", "boot_join_timeout_ms"),
    ("EnableJoinTimeout", "enable_join_timeout_ms"),
]


def host_uuid(i):
    """Host UUIDs sorted by index (the agent orders hosts by UUID)."""
    return "%08x-0000-4000-8000-%012x" % (0x10000000 + i, i)


def xapi_params(hbctl, timeout_s):
    """xapi's derivation from T (`hbctl timeouts -T T --json` .configured), ms."""
    out = subprocess.run([hbctl, "timeouts", "-T", str(timeout_s), "--json"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)["configured"]


def scaled_params(configured, scale):
    """The pool's parameters (keyed as `hbctl timeouts --json` .configured:
    a scenario's effective timing from hbscenario-json, or xapi_params()),
    every duration multiplied by scale, as xhad.conf elements (ms). The
    watchdog counts whole seconds: the scaled W is rounded down to whole
    seconds, and never below 2 s (hb_timing refuses anything else); a W that
    comes out shorter than scaled is the harsher test of a freeze."""
    params = {elem: max(1, int(round(configured[key] * scale))) for elem, key in PARAM_NAMES}
    params["WatchdogTimeout"] = max(2000, params["WatchdogTimeout"] // 1000 * 1000)
    return params


class Host:
    """One host: its namespace, config, agent process and bookkeeping."""

    def __init__(self, pool, i):
        self.pool = pool
        self.i = i
        self.conf = os.path.join(pool.workdir, "conf.%d" % i)
        self.sock = os.path.join(pool.workdir, "ctl.%d.sock" % i)
        self.lock = os.path.join(pool.workdir, "lock.%d" % i)
        self.log = os.path.join(pool.workdir, "agent.%d.log" % i)
        # the unclean-restart guard: with the test backend the agent keeps it
        # next to its lock file (agent/daemon/hbagent.c), where a real host keeps it
        # in /run, which a reset empties
        self.guard = os.path.join(pool.workdir, "hbagent.%s.armed" % host_uuid(i))
        self.fence_log = os.path.join(pool.workdir, "fence.%d.log" % i)
        self.proc = None          # the agent (Popen), None when down
        self.frozen_until = None  # pool ms when a freeze ends
        self.fence_lines = 0      # fence log lines already accounted for
        self.fenced = False       # fenced (by itself or its watchdog) since the start
        self.exit_codes = []
        self.stuck = []           # agents killed but not gone (I/O hung in the kernel)

    # ---- config --------------------------------------------------------

    def write_conf(self, params):
        p = self.pool
        hosts = []
        for k in range(p.n_hosts):
            hosts += ["--host", host_uuid(k), ",".join(p.net.addr(k, path) for path in range(p.n_paths))]
        testlib.mkconf(self.conf, "--gen", GEN, "--port", 694, "--key-file", p.key_file, *hosts,
                       "--timing", testlib.timing_ms(params), "--local", host_uuid(self.i),
                       "--statefile", p.storage.device(self.i), "--backend", "test", "--fence-log", self.fence_log,
                       "--ctl", self.sock)

    # ---- process -------------------------------------------------------

    def start(self):
        assert self.proc is None
        for old in self.stuck:    # a rebooted host starts afresh: wait for the old agent
            try:
                old.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.stuck = [x for x in self.stuck if x.poll() is None]
        p = self.pool
        env = dict(os.environ, HB_WATCHDOG_TEST_HELPER=p.bins["hbwatchdog-test"])
        args = ["ip", "netns", "exec", p.net.ns(self.i), p.bins["hbagent"], "-c", self.conf, "-l", self.lock,
                "--no-syslog"] + p.agent_args
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                         start_new_session=True)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def reap(self):
        """The agent exited on its own (fence, exit code): note it; True if it did."""
        if self.proc is not None and self.proc.poll() is not None:
            self.exit_codes.append(self.proc.returncode)
            self.proc = None
            self.frozen_until = None
            return True
        return False

    def ns_pids(self):
        out = subprocess.run(["ip", "netns", "pids", self.pool.net.ns(self.i)], capture_output=True, text=True)
        return [int(x) for x in out.stdout.split()]

    def power_off(self):
        """Every process of the host killed at once. The host is down from
        now on, like a real host reset by its watchdog, even when the kernel
        holds its agent a while longer (I/O hung on a dead device cannot be
        abandoned by an exiting process): such an agent is kept aside."""
        for pid in self.ns_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                self.stuck.append(self.proc)
            self.proc = None
        self.frozen_until = None
        # A reset empties /run: the next boot finds no unclean-restart guard
        # (its watchdog died with the host), as on a real host. Only
        # restart-agent, where the host stays up, leaves it for the new agent.
        for path in (self.guard, self.guard + ".tmp"):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass

    def restart_agent(self):
        """The agent process is SIGKILLed and a new one started at once; the
        host (its namespace, its watchdog helper) stays up. An armed test
        watchdog is not disarmed by the kill: its helper keeps counting and
        fires W after the last pet (a fence log line: the host is reset, as
        for any fence), while the new agent waits on the unclean-restart
        guard (the fence bound) before it arms. Returns False (nothing
        done) when the agent is not running or is frozen, as hbsim ignores
        it then."""
        if not self.alive() or self.frozen_until is not None:
            return False
        old = self.proc
        try:
            os.kill(old.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            old.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.stuck.append(old)  # in D state: the new agent meets its lock
        self.exit_codes.append(old.returncode)
        self.proc = None
        self.start()
        return True

    def crash(self):
        """Power loss; nothing the host's watchdog does afterwards counts."""
        self.power_off()
        self.absorb_fence_log()  # a watchdog line racing the kill is not a fence

    def freeze(self, until_ms):
        if self.alive():
            os.kill(self.proc.pid, signal.SIGSTOP)
            self.frozen_until = until_ms

    def thaw(self):
        if self.alive():
            os.kill(self.proc.pid, signal.SIGCONT)
        self.frozen_until = None

    # ---- fences --------------------------------------------------------

    def fence_log_lines(self):
        try:
            with open(self.fence_log) as f:
                return sum(1 for _ in f)
        except FileNotFoundError:
            return 0

    def absorb_fence_log(self):
        self.fence_lines = self.fence_log_lines()

    def check_fenced(self):
        """New fence log lines while the harness considers the host running
        are fences (its watchdog, or its own immediate fence)."""
        n = self.fence_log_lines()
        if n > self.fence_lines:
            self.fence_lines = n
            self.fenced = True
            return True
        return False

    # ---- control socket ------------------------------------------------

    def request(self, cmd, args=None, timeout=1.0):
        """One request on the control socket; the response object, or None."""
        req = {"v": 1, "cmd": cmd}
        if args:
            req["args"] = args
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(self.sock)
            s.sendall(json.dumps(req).encode() + b"\n")
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = s.recv(1 << 20)
                if not chunk:
                    return None
                buf += chunk
            return json.loads(buf)
        except (OSError, ValueError):
            return None
        finally:
            s.close()

    def status(self):
        if not self.alive() or self.frozen_until is not None:
            return None
        r = self.request("status")
        return r["result"] if r and r.get("ok") else None

    # ---- xapi scripts --------------------------------------------------

    def script(self, name, *args, timeout=120):
        p = self.pool
        env = dict(os.environ, HBAGENT_CONF=self.conf, HBCTL=p.bins["hbctl"], HBAGENT=p.bins["hbagent"],
                   HBAGENT_LOCK=self.lock)
        path = os.path.join(p.scripts, name)
        r = subprocess.run([path] + list(args), env=env, capture_output=True, text=True, timeout=timeout)
        return r.returncode, r.stdout.strip(), r.stderr.strip()
