#!/usr/bin/env python3
"""corosync_failover.py: corosync 3 failover, measured in hbpool's network.

    corosync_failover.py --hosts N --token MS --fault crash|cut --runs R [--workdir DIR]

The side-by-side anchor of tests/bench/failover.sh. The network is hbpool's
own (tests/pool/pool_net.py): host i is the namespace PREFIX-h{i} with one
veth on a bridge, address 10.100.x.y. Each host runs corosync 3 (knet
transport, votequorum, no crypto, the given totem token, every other totem
figure its default: the effective token is token + (N - 2) x 650 ms
token_coefficient) in a private mount namespace (tmpfs on /run: corosync's
pid file is fixed at /run/corosync.pid; and on /dev/shm: libqb's IPC and
blackbox files, which a SIGKILL leaves) with its own state directory. Once
every node lists all N members, host N-1 is faulted: `crash` SIGKILLs its
corosync, `cut` is hbpool's `isolate` (every INPUT from and to the host
dropped with iptables, pool_net.Net.isolate). Measured: the time from the
fault until every other node's runtime.members lists the host as not
joined (corosync-cmapctl, polled every 50 ms in parallel). One line per run:
    corosync: N=3 token=3000 cut run 1: 6.123 s
Everything is removed at the end, also on SIGINT/SIGTERM."""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pool"))

import pool_net  # noqa: E402

POLL_S = 0.05


class Interrupted(Exception):
    pass


def on_signal(signum, frame):
    raise Interrupted("signal %d" % signum)


def conf(net, n, token, i, d):
    nodes = "".join("    node {\n        ring0_addr: %s\n        nodeid: %d\n        name: n%d\n    }\n"
                    % (net.addr(h, 0), h + 1, h + 1) for h in range(n))
    return ("totem {\n    version: 2\n    cluster_name: hbbench\n    transport: knet\n    token: %d\n"
            "    crypto_cipher: none\n    crypto_hash: none\n}\n"
            "nodelist {\n%s}\n"
            "quorum {\n    provider: corosync_votequorum\n}\n"
            "logging {\n    to_stderr: no\n    to_syslog: no\n    to_logfile: yes\n    logfile: %s/corosync.log\n"
            "    timestamp: hires\n}\n"
            "system {\n    state_dir: %s\n}\n" % (token, nodes, d, d))


class Cluster:
    def __init__(self, n, token, workdir):
        self.n = n
        self.token = token
        self.prefix = "hbc%d" % (os.getpid() % 100000)
        self.net = pool_net.Net(self.prefix, n, 1)
        self.dir = tempfile.mkdtemp(prefix=self.prefix + "-", dir=workdir)
        self.procs = {}

    def setup(self):
        self.net.setup()
        for i in range(self.n):
            d = os.path.join(self.dir, "n%d" % i)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "corosync.conf"), "w") as f:
                f.write(conf(self.net, self.n, self.token, i, d))

    def start(self, i):
        d = os.path.join(self.dir, "n%d" % i)
        # a private mount namespace: /run/corosync.pid is per host, and libqb's
        # files in /dev/shm (its blackbox, left by a SIGKILL) go with the namespace
        argv = self.net.in_ns(i, ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                                  "mount -t tmpfs hbbench /run && mount -t tmpfs hbbench /dev/shm && "
                                  "exec corosync -f -c %s/corosync.conf" % d])
        self.procs[i] = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "stderr"), "w"))

    def in_node(self, i, argv):
        """argv in node i's network and mount namespaces (libqb's IPC: an
        abstract socket of the network namespace, files in /dev/shm)."""
        return ["nsenter", "-t", str(self.procs[i].pid), "--net", "--mount"] + argv

    def members(self, hosts):
        """{i: set of node ids (1-based) that i lists as joined, or None}"""
        ps = {i: subprocess.Popen(self.in_node(i, ["corosync-cmapctl", "-b", "runtime.members"]),
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for i in hosts}
        out = {}
        for i, p in ps.items():
            text, _ = p.communicate()
            if p.returncode != 0:
                out[i] = None
                continue
            joined = set()
            for line in text.splitlines():
                # runtime.members.3.status (str) = joined
                parts = line.split()
                if parts and parts[0].endswith(".status") and parts[-1] == "joined":
                    joined.add(int(parts[0].split(".")[2]))
            out[i] = joined
        return out

    def teardown(self):
        for p in self.procs.values():
            try:
                p.kill()
            except OSError:
                pass
        for p in self.procs.values():
            try:
                p.wait(timeout=5)
            except Exception:  # noqa: BLE001
                pass
        self.net.teardown()
        shutil.rmtree(self.dir, ignore_errors=True)


def one_run(args, run):
    c = Cluster(args.hosts, args.token, args.workdir)
    try:
        c.setup()
        for i in range(args.hosts):
            c.start(i)
        everyone = set(range(1, args.hosts + 1))
        t = time.monotonic()
        while True:
            m = c.members(range(args.hosts))
            if all(v == everyone for v in m.values()):
                break
            if time.monotonic() - t > 60:
                print("corosync: N=%d token=%d %s run %d: no full membership after 60 s (%s)"
                      % (args.hosts, args.token, args.fault, run, m), flush=True)
                return None
            time.sleep(0.2)
        time.sleep(2)  # settled
        victim = args.hosts - 1
        survivors = [i for i in range(args.hosts) if i != victim]
        t0 = time.monotonic()
        if args.fault == "crash":
            c.procs[victim].kill()  # sh exec'd corosync: this is corosync
        else:
            c.net.isolate(victim)
        while True:
            m = c.members(survivors)
            now = time.monotonic()
            if all(v is not None and victim + 1 not in v for v in m.values()):
                s = now - t0
                print("corosync: N=%d token=%d %s run %d: %.3f s" % (args.hosts, args.token, args.fault, run, s),
                      flush=True)
                return s
            if now - t0 > 120:
                print("corosync: N=%d token=%d %s run %d: still a member after 120 s" %
                      (args.hosts, args.token, args.fault, run), flush=True)
                return None
            time.sleep(POLL_S)
    finally:
        c.teardown()


def main():
    ap = argparse.ArgumentParser(description="corosync 3 failover in hbpool's network")
    ap.add_argument("--hosts", type=int, default=3)
    ap.add_argument("--token", type=int, default=3000, help="totem token, ms")
    ap.add_argument("--fault", choices=["crash", "cut"], default="cut")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--workdir", default="/var/tmp")
    args = ap.parse_args()
    for tool in ("corosync", "corosync-cmapctl", "unshare", "nsenter", "ip"):
        if shutil.which(tool) is None:
            print("corosync: %s not installed: skipped" % tool)
            return 77
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for r in range(1, args.runs + 1):
            one_run(args, r)
    except Interrupted as e:
        print("corosync: interrupted (%s), cleaned up" % e)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
