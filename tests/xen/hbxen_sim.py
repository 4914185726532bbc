"""hbxen_sim: hbsim's scenario files (tests/scenarios/*.sc) on real Xen hosts.

Owns the translation of hbsim's timed language (docs/scenarios.md: `at TIME
ACTION`, `expect TIME WHAT [within D]`) onto hbxen's hosts, with the meaning
hbpool gives it (docs/testing.md), and the safety contract checked while the
scenario runs. The file is parsed by libhb's own parser (hbscenario-json,
built next to hbctl), so hbsim, hbpool and hbxen read the same statements.

Where it applies: the Xen testbed has one network path per host on a shared
multicast segment and one statefile disk per host behind QEMU, so
  start, boot, crash, shutdown, freeze, isolate, heal, storage-hang,
  storage-heal, propose-master, disarm, set-weight, set-pool-state,
  restart-agent (the guest's kill-agent, then start-agent: dom0 stays up and
  Xen's watchdog, if armed, keeps counting), clock-step (dom0's `date -s`,
  whole seconds), forge-slot (hbforge on the shared disk image, from the
  runner, as `lastwords` reads it)
run for real, with every expectation (reported-master included) and the
header overrides of the timing (the pool's effective timeouts come from
hbscenario-json). A scenario that uses one of the others is refused with a
message naming the line and why (REFUSED below): partition, one-way cut,
loss, duplicate, delay, replay (one multicast segment, no per-link control),
storage-fail, storage-slow, storage-torn (QEMU's throttle can only hang the
disk), suspend (QEMU's stop/cont stops the guest's clocks too),
forge-heartbeat (the runner is not on the hosts' network). hbpool runs
most of those. `paths 2` runs on one path; `sector 4096` gives the disk
4 KiB sectors.

Time: the hosts boot first (dom0 up, agent not started; boot is 20-60 s of
emulation), then the scenario clock starts and `at 0s start all` starts the
agents. `--scale F` multiplies every time, every window and every configured
timeout (the watchdog timeout rounded up to whole seconds), as hbpool does.
An expectation holds if it is true at some moment of its window; one with no
window gets the status period's grace (3 s x scale).

Meanings (hbpool's): liveset = every host reporting Online shows it;
master M = M holds the lock and every reporting host names M (none: nobody);
down = hosts whose QEMU is not running (a fence reboots, so a fenced host is
down until `boot`) or whose agent is not running (not started yet, or it
exited: HBX-AGENT-EXIT); fenced = hosts for which Xen printed its watchdog or dom0
shutdown line during the scenario.
Safety contract, every round: at most one host holds the master lock; when a
reporting host's liveset loses host h, h is not running Online and armed one
second later (the console's lag), unless h was disarmed or shut down.
"""

import json
import math
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import expect  # noqa: E402  (tests/lib: the expectation rules and the safety contract, shared with hbpool)

SUPPORTED = {"start", "boot", "crash", "shutdown", "freeze", "isolate", "heal", "storage-hang",
             "storage-heal", "propose-master", "disarm", "set-weight", "set-pool-state", "restart-agent",
             "clock-step", "forge-slot"}
EXPECTATIONS = {"expect-liveset", "expect-master", "expect-down", "expect-fenced", "expect-reported-master"}
_SEGMENT = "one QEMU multicast segment carries every host's traffic: no per-link or per-path control"
REFUSED = {
    "partition": _SEGMENT + " (QEMU's set_link pulls a host's only cable: isolate); hbpool runs it",
    "cut": _SEGMENT + " (a one-way cut is not a cable pull); hbpool runs it",
    "loss": _SEGMENT + " (no random loss); hbpool runs it",
    "duplicate": _SEGMENT + " (no duplication), and no netem",
    "delay": _SEGMENT + " (no delay), and no netem",
    "replay": _SEGMENT + " (no recorder to play packets back)",
    "storage-fail": "QEMU's block throttle can only make the statefile disk hang; hbpool runs it",
    "storage-slow": "QEMU's block throttle limits bytes per second, not the latency of each I/O; hbpool runs it",
    "storage-torn": "QEMU cannot tear one write of the statefile disk; hbpool runs it",
    "suspend": "QEMU's stop/cont stops the guest's clocks too: dom0 cannot count the time it was suspended, "
               "as a real suspend lets it (CLOCK_BOOTTIME)",
    "forge-heartbeat": "the runner is not on the hosts' network (a QEMU multicast socket) to capture a "
                       "heartbeat or send one; hbpool runs it",
}
STATUS_FRESH_S = 8.0


def load(tool, path):
    r = subprocess.run([tool, path], capture_output=True, text=True)
    if r.returncode != 0:
        raise ValueError(r.stderr.strip() or f"cannot parse {path}")
    return json.loads(r.stdout)


def is_sim_language(text):
    """hbsim's files have `at TIME ...` steps or `expect TIME ...`, where a
    time has a unit (`30s`); hbxen's own `expect I ...` names a host."""
    for raw in text.splitlines():
        w = raw.split("#", 1)[0].split()
        if len(w) >= 2 and (w[0] == "at" or (w[0] == "expect" and re.fullmatch(r"\d+(\.\d+)?(ms|s|m|h)", w[1]))):
            return True
    return False


def refusals(doc):
    """[(statement, reason)] for every statement the Xen testbed cannot make."""
    out = []
    for s in doc["statements"]:
        k = s["kind"]
        if k in SUPPORTED or k in EXPECTATIONS:
            if k == "clock-step" and s["duration_ms"] % 1000:
                out.append((s, "dom0's `date -s` steps the wall clock by whole seconds"))
            continue
        out.append((s, REFUSED.get(k, "not known to hbxen_sim (%s)" % k)))
    return out


def unsupported(doc):
    """The statements refusals() names (without the reasons)."""
    return [s for s, _ in refusals(doc)]


def timing_kargs(hbctl, T, scale, configured=None):
    """Kernel arguments for the pool's timeouts: configured (hbscenario-json's
    "timing": xapi's derivation from T with the file's header overrides),
    else `hbctl timeouts -T T`; every duration times scale."""
    c = configured
    if c is None:
        out = subprocess.run([hbctl, "--json", "timeouts", "-T", str(T)], capture_output=True, text=True,
                             check=True).stdout
        c = json.loads(out)["configured"]

    def ms(key, whole_s=False):
        v = c[key] * scale
        if whole_s:
            return str(int(math.ceil(v / 1000.0)))
        v = int(round(v))
        return f"{v // 1000}" if v % 1000 == 0 else f"{v}ms"
    return " ".join([f"hbx.t1={ms('heartbeat_interval_ms')}", f"hbx.T1={ms('heartbeat_timeout_ms')}",
                     f"hbx.t2={ms('statefile_interval_ms')}", f"hbx.T2={ms('statefile_timeout_ms')}",
                     f"hbx.W={ms('watchdog_timeout_ms', True)}",
                     f"hbx.Wh={ms('heartbeat_watchdog_timeout_ms')}",
                     f"hbx.Ws={ms('statefile_watchdog_timeout_ms')}",
                     f"hbx.Tboot={ms('boot_join_timeout_ms')}"])


class View:
    """What the executor observes, as tests/lib/expect.py reads it: a host
    reports while it runs and its status (fresh) says Online; the status of
    one that does not report is not used. A removal is confirmed a second
    after it is seen (the console's lag): the removed host must not run
    Online and armed by then."""

    def __init__(self, ex):
        self.ex = ex
        self.hosts = [h.i for h in ex.run.hostobjs]

    def _h(self, i):
        return self.ex.run.hostobjs[i]

    def status(self, i):
        h = self._h(i)
        return h.status if self.ex.reporting(h) else None

    def reporting(self, i):
        return self.ex.reporting(self._h(i))

    def down_set(self):
        return self.ex.down_set()

    def fenced_set(self):
        return self.ex.fenced_set()

    def alive(self, i):
        return self.ex.alive(self._h(i))

    def incarnation(self, i):
        return None

    def still_member(self, i):
        x = self._h(i)
        s = x.status or {}
        running_armed = (x.shutdown_t is None and x.fired_t is None and s.get("phase") == "online" and
                         s.get("armed") is True and x.status_t is not None and
                         self.ex.run.now() - x.status_t < STATUS_FRESH_S)
        return "Online and armed" if running_armed else None


class SimExecutor:
    def __init__(self, run, doc, scale):
        self.run = run
        self.doc = doc
        self.scale = scale
        self.t0 = None
        self.contract = expect.Contract(confirm_s=1.0, forget_silent=True)
        self.disarmed = self.contract.disarmed
        self.isolated = set()
        self.crashed = set()
        self.safety = []
        self.departures = []       # [t, what, hosts]
        self.window = expect.Window(scale / 1000.0, 3.0 * scale)

    @property
    def met(self):
        return self.window.met

    @property
    def failed(self):
        return self.window.failed

    # ---- clock and logging ----
    def clock(self):
        return self.run.now() - self.t0

    def say(self, msg):
        self.run.say(f"{self.clock():8.3f}s {msg}" if self.t0 is not None else msg)

    # ---- view ----
    def alive(self, h):
        return h.alive() and h.exit_t is None

    def reporting(self, h):
        s = h.status or {}
        return (self.alive(h) and h.status_t is not None and self.run.now() - h.status_t < STATUS_FRESH_S
                and s.get("phase") == "online")

    def down_set(self):
        return sorted(h.i for h in self.run.hostobjs if not (self.alive(h) and h.agent_running))

    def fenced_set(self):
        out = []
        for h in self.run.hostobjs:
            cur = [t for t in (h.shutdown_t, h.fired_t) if t is not None]
            if h.fenced_at or cur:
                if any(t >= self.t0 for t in h.fenced_at + cur):
                    out.append(h.i)
        return sorted(out)

    def describe(self):
        parts = []
        for h in self.run.hostobjs:
            s = h.status or {}
            if not self.alive(h):
                parts.append(f"{h.i}:down")
            elif not self.reporting(h):
                parts.append(f"{h.i}:{s.get('phase') or 'no-agent'}")
            else:
                m = "*" if s.get("i_am_master") else ""
                parts.append(f"{h.i}{m}:{','.join(map(str, s.get('liveset') or []))}")
        return " ".join(parts)

    # ---- the safety contract (tests/lib/expect.py) ----
    def monitor(self):
        for text in self.contract.round(View(self), self.run.now()):
            self.violation(text)

    def violation(self, text):
        if text not in self.safety:
            self.safety.append(text)
            self.say(f"VIOLATION {text}  [{self.describe()}]")

    def measure_departures(self):
        for d in list(self.departures):
            rep = [h for h in self.run.hostobjs if self.reporting(h) and h.i not in d[2]]
            if rep and all(not set(d[2]) & set(h.status.get("liveset") or []) for h in rep):
                dt = self.run.now() - d[0]
                self.say(f"failover: host(s) {','.join(map(str, d[2]))} left every survivor's liveset "
                         f"{dt:.3f} s after the {d[1]}")
                self.run.timings.append(f"host(s) {','.join(map(str, d[2]))} left every survivor's "
                                        f"liveset {dt:.3f} s after the {d[1]}")
                self.departures.remove(d)

    # ---- actions ----
    def background(self, h, command, note=None):
        def go():
            seq, sent, ack = h.send(command)
            outs = " | ".join(h.outs.get(seq, []))
            rc = ack[1] if ack else "no ACK"
            self.say(f"host {h.i}: `{command}` -> rc={rc}{(' ' + outs) if outs else ''}")
            if note:
                note()
        threading.Thread(target=go, daemon=True).start()

    def act(self, st):
        k = st["kind"]
        hosts = self.run.hostobjs
        h = hosts[st["host"]] if isinstance(st["host"], int) else None
        if k == "start":
            for x in hosts:
                if self.alive(x):
                    self.background(x, "start-agent")
        elif k == "boot":
            if not self.alive(h):
                h.start(start_agent=True)
                self.crashed.discard(h.i)
                self.disarmed.discard(h.i)
        elif k == "crash":
            h.ref_t = h.ref_sent_t = self.run.now()
            h.ref_what = "crash"
            h.proc.kill()
            self.crashed.add(h.i)
            self.departures.append([self.run.now(), "crash", [h.i]])
        elif k == "shutdown":
            self.disarmed.add(h.i)
            self.background(h, "sh hbctl disarm; hbctl shutdown")
        elif k == "freeze":
            self.background(h, "stop-agent")
            d = st["duration_ms"] * self.scale / 1000.0
            threading.Timer(d, lambda: self.background(h, "cont-agent")).start()
        elif k == "isolate":
            h.qmp_cmd("set_link", {"name": "n0", "up": False})
            h.ref_t = h.ref_sent_t = self.run.now()
            h.ref_what = "isolate"
            self.isolated.add(h.i)
            self.departures.append([self.run.now(), "isolation", [h.i]])
        elif k == "heal":
            for i in sorted(self.isolated):
                if self.alive(hosts[i]):
                    hosts[i].qmp_cmd("set_link", {"name": "n0", "up": True})
            self.isolated.clear()
        elif k in ("storage-hang", "storage-heal"):
            targets = hosts if st["host"] == "all" else [h]
            args = {"device": "sf", "bps": 1 if k == "storage-hang" else 0, "bps_rd": 0, "bps_wr": 0,
                    "iops": 0, "iops_rd": 0, "iops_wr": 0}
            for x in targets:
                if self.alive(x):
                    x.qmp_cmd("block_set_io_throttle", args)
        elif k == "propose-master":
            self.background(h, "sh hbctl propose-master")
        elif k == "disarm":
            self.disarmed.add(h.i)
            self.background(h, "disarm")
        elif k == "set-weight":
            self.background(h, f"sh hbctl set-weight {st['weight']}")
        elif k == "set-pool-state":
            self.background(h, f"sh hbctl set-pool-state {st['pool_state']}")
        elif k == "restart-agent":
            if not (self.alive(h) and h.agent_running):
                self.say(f"host {h.i}: not running: restart-agent ignored (as hbsim)")
                return

            def restart():
                for command in ("kill-agent", "start-agent"):
                    seq, sent, ack = h.send(command)
                    self.say(f"host {h.i}: `{command}` -> rc={ack[1] if ack else 'no ACK'}")
            threading.Thread(target=restart, daemon=True).start()
        elif k == "clock-step":
            d = st["duration_ms"] // 1000  # the wall clock's jump itself: not scaled
            self.background(h, f"sh date -s @$(($(date +%s) + {d})) >/dev/null; date")
        elif k == "forge-slot":
            self.run.forge_slot(h.i, st["forge"], self.say)
        else:
            raise ValueError("unsupported action " + k)

    # ---- the run ----
    def execute(self):
        r = self.run
        statements = self.doc["statements"]
        r.ensure_hosts()
        for h in r.hostobjs:
            h.start(start_agent=False)
            r.say(f"host {h.i}: QEMU started (pid {h.proc.pid}), agent not started, console {h.log.name}")
        # every dom0 up (its status loop runs) before the scenario clock starts
        for h in r.hostobjs:
            if not h.wait(lambda: h.status_t is not None or h.exit_t is not None, 900) or h.exit_t:
                r.say(f"host {h.i}: dom0 did not come up in 900 s (or QEMU exited)")
                self.window.failed = sum(1 for s in statements if s["kind"].startswith("expect-"))
                return
        self.t0 = r.now()
        r.say(f"every dom0 is up ({self.t0:.1f} s); the scenario clock starts (scale {self.scale:g})")
        pending = list(statements)
        last_desc = ""
        while pending or self.window.open:
            now = self.clock()
            while pending and pending[0]["at_ms"] * self.scale / 1000.0 <= now:
                st = pending.pop(0)
                if st["kind"].startswith("expect-"):
                    self.window.add(st)
                    continue
                self.say(f"line {st['line']}: {st['text']}")
                try:
                    self.act(st)
                except Exception as e:  # a failed fault is reported, the run goes on
                    self.say(f"line {st['line']}: `{st['text']}` failed: {e}")
            self.monitor()
            self.measure_departures()
            desc = self.describe()
            if desc != last_desc:
                self.say(desc)
                last_desc = desc
            for st, met, start, end in self.window.check(View(self), now):
                if met:
                    self.say(f"ok: line {st['line']}: {st['text']}  [{desc}]")
                else:
                    self.say(f"VIOLATION: line {st['line']}: {st['text']} not met by "
                             f"{end:.1f} s  [{desc}]")
            time.sleep(0.2)
