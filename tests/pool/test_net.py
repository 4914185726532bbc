#!/usr/bin/env python3
"""test_net.py: pool_net.Net, the network of an hbpool pool.

A 4-host, 2-path network; in each host namespace a small UDP prober (python
sockets bound to the host's address on each path, the way hbagent binds its
heartbeat sockets) sends a token to every other host on every path and
reports what it receives. Checked: everyone reaches everyone on both paths;
isolate 3 (3 reaches nobody, nobody reaches 3); heal; partition 0,1 | 2,3;
a cut 0 -> 1 on top of it (0 -> 1 lost, 1 -> 0 kept); a cut alone; a host in
no group of a partition stands alone; a path failing at the switch and a
host taking its own link down and up again (the bound sockets carry on);
repeated faults run nothing; teardown leaves nothing (leftovers() == []),
also after a partial setup; a run SIGKILLed half-way is found by leftovers()
and removed by cleanup_leftovers(). Prints the fault times and the setup and
teardown times of 16- and 64-host pools with 2 paths.

Needs root, network namespaces and iptables; exits 77 (skip) otherwise."""

import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pool_net  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import testlib  # noqa: E402  (tests/lib: results)

PORT = 47694
FAULT_LIMIT_S = 1.0  # a failure beyond this; the aim (4 hosts) is well under 0.1 s
SKIP = 77

PROBER = r"""
import select, socket, sys, threading
port = int(sys.argv[1])
socks = []
for a in sys.argv[2:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a, port))
    socks.append(s)
lock = threading.Lock()
def say(line):
    with lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
def rx():
    while True:
        ready, _, _ = select.select(socks, [], [])
        for s in ready:
            data, src = s.recvfrom(2048)
            say("recv %s %s" % (data.decode(), src[0]))
threading.Thread(target=rx, daemon=True).start()
say("ready")
for line in sys.stdin:
    w = line.split()
    if not w:
        continue
    if w[0] == "send":
        try:
            socks[int(w[1])].sendto(w[3].encode(), (w[2], port))
        except OSError as e:
            say("senderr %s %d" % (w[3], e.errno))
    elif w[0] == "sync":
        say("synced " + w[1])
"""

ok, bad, check = testlib.ok, testlib.fail, testlib.check  # tests/lib/testlib.py


class Probers:
    """One prober per listed host of net, each in its namespace."""

    def __init__(self, net, hosts):
        self.net = net
        self.hosts = list(hosts)
        self.lines = {h: [] for h in self.hosts}
        self.cond = threading.Condition()
        self.procs = {}
        self.round = 0
        for h in self.hosts:
            argv = ["ip", "netns", "exec", net.ns(h), sys.executable, "-c", PROBER, str(PORT)]
            argv += [net.addr(h, p) for p in range(net.n_paths)]
            p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
            self.procs[h] = p
            threading.Thread(target=self._reader, args=(h, p), daemon=True).start()
        if not self._wait(lambda: all("ready" in self.lines[h] for h in self.hosts), 10):
            raise RuntimeError("probers did not start: %r" % self.lines)

    def _reader(self, h, p):
        for line in p.stdout:
            with self.cond:
                self.lines[h].append(line.strip())
                self.cond.notify_all()

    def _wait(self, pred, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def matrix(self, settle=0.3):
        """{(a, b, p): True when b received a's token sent on path p}."""
        self.round += 1
        r = self.round
        tokens = {}
        for a in self.hosts:
            cmds = []
            for b in self.hosts:
                for p in range(self.net.n_paths):
                    if a != b:
                        tok = "r%d-%d-%d-%d" % (r, a, b, p)
                        tokens[(a, b, p)] = tok
                        cmds.append("send %d %s %s\n" % (p, self.net.addr(b, p), tok))
            cmds.append("sync %d\n" % r)
            self.procs[a].stdin.write("".join(cmds))
            self.procs[a].stdin.flush()
        self._wait(lambda: all("synced %d" % r in self.lines[h] for h in self.hosts), 5)

        def got():
            seen = set()
            for b in self.hosts:
                for line in self.lines[b]:
                    w = line.split()
                    if w[0] == "recv" and w[1].startswith("r%d-" % r):
                        seen.add(w[1])
            return seen

        # everything that can arrive does within milliseconds; wait for all,
        # at most `settle` seconds, then a little more for stragglers
        self._wait(lambda: len(got()) == len(tokens), settle)
        time.sleep(0.05)
        seen = got()
        return {k: tok in seen for k, tok in tokens.items()}

    def close(self):
        for p in self.procs.values():
            try:
                p.stdin.close()
            except OSError:
                pass
            p.kill()
            p.wait()


def expect(name, probers, want, settle_s=0.0):
    """want(a, b, p) -> bool: b should receive from a on path p. With
    settle_s, a wrong matrix is probed again until settle_s has passed (a
    link that just came up needs its carrier and its neighbours back)."""
    limit = time.monotonic() + settle_s
    while True:
        m = probers.matrix()
        wrong = ["%d->%d p%d %s" % (a, b, p, "received" if got else "lost")
                 for (a, b, p), got in sorted(m.items()) if got != want(a, b, p)]
        if not wrong or time.monotonic() >= limit:
            break
        time.sleep(0.2)
    check(not wrong, name, ", ".join(wrong))


def timed_fault(name, fn, net, times):
    t0 = time.monotonic()
    fn()
    dt = time.monotonic() - t0
    times.append((name, dt))
    check(dt < FAULT_LIMIT_S, "%s applied in %.1f ms" % (name, dt * 1000))
    return dt


def everyone(a, b, p):
    return True


def main_4hosts(prefix):
    net = pool_net.Net(prefix, 4, 2)
    probers = None
    times = []
    try:
        t0 = time.monotonic()
        net.setup()
        print("4 hosts x 2 paths: setup %.0f ms" % ((time.monotonic() - t0) * 1000))
        check(sorted(pool_net.leftovers(prefix)) == sorted(net.namespaces()),
              "leftovers() lists the live pool's namespaces")
        out = subprocess.run(["ip", "-n", net.ns(2), "-o", "-4", "addr", "show", "dev", "p1"],
                             capture_output=True, text=True).stdout
        check("10.101.0.3/16" in out, "host 2 has 10.101.0.3/16 on p1", out.strip())
        check(net.addr(251, 0) == "10.100.1.2" and net.addr(0, 1) == "10.101.0.1", "address plan")
        probers = Probers(net, range(4))
        expect("all hosts reach each other on both paths", probers, everyone)

        timed_fault("isolate 3", lambda: net.isolate(3), net, times)
        expect("isolate 3: 3 reaches nobody, nobody reaches 3", probers, lambda a, b, p: 3 not in (a, b))
        timed_fault("isolate 3 again", lambda: net.isolate(3), net, times)
        check(net.last_fault_s < 0.005, "a repeated isolate runs nothing (%.2f ms)" % (net.last_fault_s * 1000))
        timed_fault("heal", net.heal, net, times)
        expect("heal: all reachable", probers, everyone)

        def same_side(a, b):
            return (a < 2) == (b < 2)

        timed_fault("partition 0,1 | 2,3", lambda: net.partition([[0, 1], [2, 3]]), net, times)
        expect("partition 0,1 | 2,3: 0<->1 and 2<->3 fine, across lost", probers,
               lambda a, b, p: same_side(a, b))
        timed_fault("cut 0 -> 1 (after the partition)", lambda: net.cut(0, 1), net, times)
        expect("cut 0 -> 1 on top of the partition: 1 no longer hears 0, 0 still hears 1", probers,
               lambda a, b, p: same_side(a, b) and (a, b) != (0, 1))
        check(net.faults()["blocked"].count((0, 1)) == 1 and (1, 0) not in net.faults()["blocked"],
              "faults() reports the cut one way")
        timed_fault("heal", net.heal, net, times)
        expect("heal after partition and cut: all reachable", probers, everyone)

        timed_fault("cut 0 -> 1", lambda: net.cut(0, 1), net, times)
        expect("cut 0 -> 1 alone: one way, nothing else", probers, lambda a, b, p: (a, b) != (0, 1))
        timed_fault("isolate 2 (after the cut)", lambda: net.isolate(2), net, times)
        expect("isolate 2 on top of cut 0 -> 1", probers, lambda a, b, p: (a, b) != (0, 1) and 2 not in (a, b))
        timed_fault("heal", net.heal, net, times)

        timed_fault("partition 0,1 | 2 (3 in no group)", lambda: net.partition([[0, 1], [2]]), net, times)
        expect("partition 0,1 | 2: 3 stands alone", probers,
               lambda a, b, p: {a, b} == {0, 1})
        timed_fault("heal", net.heal, net, times)
        expect("heal: all reachable", probers, everyone)
        rules = subprocess.run(["ip", "netns", "exec", net.ns(3), net._restore.replace("-restore", "-save")],
                               capture_output=True, text=True).stdout
        check("DROP" not in rules, "heal leaves no DROP rule", rules)

        # a path failing at the switch: the host's p0 loses carrier
        net.set_link(2, 0, False)
        expect("switch port of host 2 path 0 down: 2 lost on path 0 only", probers,
               lambda a, b, p: p == 1 or 2 not in (a, b))
        timed_fault("heal (link up)", net.heal, net, times)
        expect("heal brings the switch port up: all reachable", probers, everyone, settle_s=3.0)

        # a host taking its own link down and up: bound sockets survive
        subprocess.run(["ip", "-n", net.ns(1), "link", "set", "p0", "down"], check=True)
        expect("host 1 sets its p0 down: 1 lost on path 0 only", probers,
               lambda a, b, p: p == 1 or 1 not in (a, b))
        subprocess.run(["ip", "-n", net.ns(1), "link", "set", "p0", "up"], check=True)
        expect("host 1 sets its p0 up again: the same bound sockets send and receive", probers, everyone,
               settle_s=3.0)
        check(probers.procs[1].poll() is None, "host 1's prober kept running (no socket error)")

        print("fault times, 4 hosts x 2 paths:")
        for name, dt in times:
            print("  %-36s %6.1f ms" % (name, dt * 1000))
    finally:
        if probers:
            probers.close()
        net.teardown()
    check(pool_net.leftovers(prefix) == [], "teardown leaves nothing", repr(pool_net.leftovers(prefix)))
    try:
        net.teardown()
        ok("a second teardown is harmless")
    except Exception as e:  # noqa: BLE001
        bad("a second teardown raised %r" % e)


def partial_setup(prefix):
    never = pool_net.Net(prefix, 4, 2)
    try:
        never.teardown()
        ok("teardown of a pool never set up")
    except Exception as e:  # noqa: BLE001
        bad("teardown of a pool never set up raised %r" % e)
    # a stale namespace in the way: setup fails half-way
    subprocess.run(["ip", "netns", "add", "%s-h2" % prefix], check=True)
    net = pool_net.Net(prefix, 4, 2)
    try:
        net.setup()
        bad("setup over a stale namespace succeeded")
    except RuntimeError as e:
        ok("setup over a stale namespace fails (%s)" % str(e).splitlines()[0][:80])
    net.teardown()
    check(pool_net.leftovers(prefix) == [], "teardown after a partial setup leaves nothing",
          repr(pool_net.leftovers(prefix)))


KILLED_CHILD = r"""
import subprocess, sys, time
sys.path.insert(0, sys.argv[1])
import pool_net
net = pool_net.Net(sys.argv[2], 4, 2)
net.setup()
net.partition([[0, 1], [2, 3]])
for i in (1, 3):
    subprocess.Popen(["ip", "netns", "exec", net.ns(i), "sleep", "600"], start_new_session=True)
print("ready", flush=True)
time.sleep(600)
"""


def killed_run(prefix):
    child = subprocess.Popen([sys.executable, "-c", KILLED_CHILD, HERE, prefix], stdout=subprocess.PIPE, text=True)
    line = child.stdout.readline().strip()
    if not check(line == "ready", "a child pool came up", line):
        child.kill()
        child.wait()
        pool_net.cleanup_leftovers(prefix)
        return
    child.kill()
    child.wait()
    deadline = time.monotonic() + 5  # the sleeps may take a moment to be in place
    while time.monotonic() < deadline:
        left = pool_net.leftovers(prefix)
        if sum(1 for x in left if "(sleep)" in x) == 2:
            break
        time.sleep(0.05)
    names = [x for x in left if ":" not in x]
    procs = [x for x in left if ":" in x]
    check(len(names) == 5 and sum(1 for x in procs if "(sleep)" in x) == 2,
          "leftovers() after a SIGKILLed run: 5 namespaces and the 2 processes inside", repr(left))
    pids = [int(x.split("pid ")[1].split()[0]) for x in procs]
    t0 = time.monotonic()
    pool_net.cleanup_leftovers(prefix)
    dt = time.monotonic() - t0
    check(pool_net.leftovers(prefix) == [], "cleanup_leftovers() leaves nothing (%.0f ms)" % (dt * 1000),
          repr(pool_net.leftovers(prefix)))
    alive = [pid for pid in pids if os.path.exists("/proc/%d/ns/net" % pid)]
    check(not alive, "the processes inside were killed", repr(alive))
    try:
        pool_net.cleanup_leftovers(prefix)
        ok("cleanup_leftovers() with nothing left is harmless")
    except Exception as e:  # noqa: BLE001
        bad("cleanup_leftovers() with nothing left raised %r" % e)


def big_pools(prefix):
    for n in (16, 64):
        net = pool_net.Net(prefix, n, 2)
        probers = None
        try:
            t0 = time.monotonic()
            net.setup()
            t_setup = time.monotonic() - t0
            far = [0, n // 2, n - 1]
            probers = Probers(net, far)
            expect("%d hosts: hosts %s reach each other on both paths" % (n, far), probers, everyone)
            net.isolate(n - 1)
            t_iso = net.last_fault_s
            expect("%d hosts: isolate %d" % (n, n - 1), probers, lambda a, b, p: n - 1 not in (a, b))
            net.partition([list(range(n // 2)), list(range(n // 2, n))])
            t_part = net.last_fault_s
            net.heal()
            t_heal = net.last_fault_s
            expect("%d hosts: heal" % n, probers, everyone)
            probers.close()
            probers = None
            t0 = time.monotonic()
            net.teardown()
            t_down = time.monotonic() - t0
            check(pool_net.leftovers(prefix) == [], "%d hosts: teardown leaves nothing" % n)
            print("%2d hosts x 2 paths: setup %.0f ms (%s), teardown %.0f ms; isolate %.0f ms, "
                  "partition in halves %.0f ms, heal %.0f ms"
                  % (n, t_setup * 1000, ", ".join("%s %.0f" % (k[6:-2], v * 1000)
                                                   for k, v in net.timings.items() if k.startswith("setup_") and k != "setup_s"),
                     t_down * 1000, t_iso * 1000, t_part * 1000, t_heal * 1000), flush=True)
        finally:
            if probers:
                probers.close()
            net.teardown()


def main():
    if os.geteuid() != 0:
        print("SKIP: needs root")
        return SKIP
    pid = os.getpid() % 10000000
    prefixes = {k: "hb%s%d" % (k, pid) for k in "nkxb"}  # 10 characters at most, none a prefix of another
    probe = prefixes["n"] + "-probe"
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode != 0:
        print("SKIP: cannot create network namespaces")
        return SKIP
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    try:
        try:
            main_4hosts(prefixes["n"])
        except RuntimeError as e:
            if "no working iptables-restore" in str(e):
                print("SKIP: %s" % e)
                return SKIP
            raise
        partial_setup(prefixes["x"])
        killed_run(prefixes["k"])
        big_pools(prefixes["b"])
    except Exception as e:  # noqa: BLE001
        bad("unexpected %s: %s" % (type(e).__name__, e))
    finally:
        for p in prefixes.values():
            pool_net.cleanup_leftovers(p)
    return testlib.summary()


if __name__ == "__main__":
    sys.exit(main())
