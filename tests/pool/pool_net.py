"""pool_net.py: the network of an hbpool pool, and its faults.

One "switch" namespace f"{prefix}-sw" holds one bridge per heartbeat path
(br0, br1, ...). Host i is the namespace f"{prefix}-h{i}": lo up and, per
path p, the veth end "p{p}" with the address addr(i, p) = 10.(100+p).x.y/16;
its other end, f"h{i}p{p}", is a port of bridge p in the switch namespace.
IPv6 address generation is off on every veth and bridge (no DAD, no router
solicitations: the heartbeat paths carry the pool's IPv4 traffic only).

Faults are the network statements of the scenario language (hb_scenario.h):
isolate H, partition G | G [| ...], cut A -> B, heal. All of them are
reduced to one relation, "b receives nothing from a" (plus "H receives
nothing at all" for an isolated H), and that relation becomes DROP rules in
the INPUT chain of the receiving host's namespace, written whole per host
with one iptables-restore (atomic), in parallel across the hosts that change.
Only INPUT is filtered: a DROP in OUTPUT would make the sender's sendto()
fail with EPERM, which no real lost link does; a dropped input is silent, as
a dead cable or switch port is. Links are never taken down by the faults
(set_link() is there for a path-level failure a test wants on purpose).

Faults compose like the simulator's (tests/sim/sim_io.c): each one only
removes links, so a cut after a partition keeps the partition; repeating a
fault changes nothing and runs nothing; heal() removes every fault.

Packet loss (`loss RATE [H | A -> B] [path P]`) is a rate per path and
directed link, set (not added) by each statement as in hbsim, 0 clearing
it: b's INPUT drops what comes from a's address on that path with
`-m statistic --mode random --probability RATE` (a plain DROP at 100 %).
heal() clears every rate too. Delay, duplication and replay would need
netem, which this kernel does not have: hbpool refuses them.

Needs root, iproute2 (ip) and iptables (Debian package "iptables": the nft
backend iptables-nft-restore, else iptables-restore or
iptables-legacy-restore; HBPOOL_IPTABLES_RESTORE names another)."""

import os
import shutil
import signal
import subprocess
import time

NETNS_DIR = "/run/netns"
PARALLEL = 32  # at most this many namespace commands at once


def _netns_names():
    try:
        return sorted(os.listdir(NETNS_DIR))
    except OSError:
        return []


def _in_ns(ns, argv):
    """argv run inside network namespace ns (no mount namespace: cheaper than
    `ip netns exec`, and enough for ip/iptables)."""
    if shutil.which("nsenter"):
        return ["nsenter", "--net=" + os.path.join(NETNS_DIR, ns)] + argv
    return ["ip", "netns", "exec", ns] + argv


def _run(argv, data=None):
    r = subprocess.run(argv, input=data, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s failed (exit %d): %s" % (" ".join(argv), r.returncode, r.stderr.strip()))
    return r.stdout


def _run_many(jobs):
    """jobs: list of (key, argv, stdin text), run in parallel. Returns the keys
    that succeeded and a list of error texts."""
    ok, errors = [], []
    for start in range(0, len(jobs), PARALLEL):
        batch = jobs[start:start + PARALLEL]
        procs = []
        for key, argv, data in batch:
            try:
                p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
            except OSError as e:
                errors.append("%s: %s" % (" ".join(argv), e))
                continue
            procs.append((key, argv, data, p))
        # write every stdin first so that the commands overlap
        for key, argv, data, p in procs:
            try:
                p.stdin.write(data or "")
                p.stdin.close()
            except OSError:
                pass
        for key, argv, data, p in procs:
            err = p.stderr.read()
            p.wait()
            if p.returncode == 0:
                ok.append(key)
            else:
                errors.append("%s failed (exit %d): %s" % (" ".join(argv), p.returncode, err.strip()))
    return ok, errors


def _ns_inode(ns):
    st = os.stat(os.path.join(NETNS_DIR, ns))
    return (st.st_dev, st.st_ino)


def _pids_in(namespaces):
    """{pid: (namespace, comm)} for every process in one of these named
    network namespaces (what `ip netns pids` tells, in one pass over /proc)."""
    want = {}
    for ns in namespaces:
        try:
            want[_ns_inode(ns)] = ns
        except OSError:
            pass
    found = {}
    if not want:
        return found
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            st = os.stat("/proc/%s/ns/net" % entry)
        except OSError:
            continue  # gone, or a zombie
        ns = want.get((st.st_dev, st.st_ino))
        if ns is None:
            continue
        try:
            with open("/proc/%s/comm" % entry) as f:
                comm = f.read().strip()
        except OSError:
            comm = "?"
        found[int(entry)] = (ns, comm)
    return found


def _kill_in(namespaces, timeout=3.0):
    """SIGKILL every process in these namespaces; wait until none is left
    in them (a zombie has left its namespace already)."""
    deadline = time.monotonic() + timeout
    while True:
        pids = _pids_in(namespaces)
        if not pids:
            return []
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if time.monotonic() > deadline:
            return ["%s: pid %d (%s) survived SIGKILL" % (ns, pid, comm) for pid, (ns, comm) in sorted(pids.items())]
        time.sleep(0.01)


def _delete_ns(namespaces):
    """ip netns del for those that exist; never raises."""
    existing = set(_netns_names())
    todel = [n for n in namespaces if n in existing]
    if not todel:
        return
    # -force: go on after a failing line (one deleted meanwhile)
    subprocess.run(["ip", "-force", "-batch", "-"], input="".join("netns del %s\n" % n for n in todel),
                   capture_output=True, text=True)
    for n in todel:  # whatever the batch left behind
        if os.path.exists(os.path.join(NETNS_DIR, n)):
            subprocess.run(["ip", "netns", "del", n], capture_output=True)


def leftovers(prefix):
    """Namespaces whose name starts with prefix, then the processes still
    running in them ("NS: pid N (comm)"). [] when nothing is left."""
    names = [n for n in _netns_names() if n.startswith(prefix)]
    procs = ["%s: pid %d (%s)" % (ns, pid, comm) for pid, (ns, comm) in sorted(_pids_in(names).items())]
    return names + procs


def cleanup_leftovers(prefix):
    """SIGKILL the processes inside the namespaces whose name starts with
    prefix, then delete those namespaces. Never raises."""
    try:
        names = [n for n in _netns_names() if n.startswith(prefix)]
        if names:
            _kill_in(names)
            _delete_ns(names)
    except Exception:  # noqa: BLE001 - a cleanup must not fail its caller
        pass


class Net:
    def __init__(self, prefix, n_hosts, n_paths):
        if not prefix or len(prefix) > 10 or "/" in prefix or " " in prefix:
            raise ValueError("prefix must be 1..10 characters without '/' or spaces: %r" % prefix)
        if not 1 <= n_hosts <= 250 * 256:
            raise ValueError("n_hosts out of range: %d" % n_hosts)
        if not 1 <= n_paths <= 100:
            raise ValueError("n_paths out of range: %d" % n_paths)
        self.prefix = prefix
        self.n_hosts = n_hosts
        self.n_paths = n_paths
        self.sw = "%s-sw" % prefix
        self._restore = None        # the iptables-restore command that works here
        self._isolated = set()      # hosts that receive nothing at all
        self._blocked = set()       # (a, b): b receives nothing from a
        self._loss = {}             # (p, a, b) -> ppm: b loses that share of a's packets on path p
        self._applied = {}          # host -> tuple of INPUT rules in force
        self._links_down = set()    # (i, p) taken down by set_link()
        self.timings = {}           # name -> seconds of the last setup/teardown phases
        self.last_fault_s = 0.0     # wall time of the last fault or heal

    # ---- names ----------------------------------------------------------
    def ns(self, i):
        return "%s-h%d" % (self.prefix, i)

    def addr(self, i, p):
        return "10.%d.%d.%d" % (100 + p, i // 250, i % 250 + 1)

    def switch_port(self, i, p):
        """The switch end of host i's veth on path p (in namespace self.sw)."""
        return "h%dp%d" % (i, p)

    def in_ns(self, i, argv):
        """argv to run inside host i's network namespace."""
        return _in_ns(self.ns(i), argv)

    def namespaces(self):
        return [self.sw] + [self.ns(i) for i in range(self.n_hosts)]

    # ---- building -------------------------------------------------------
    def setup(self):
        """Builds the namespaces, bridges and veths. Raises RuntimeError on
        failure (what was built is left for teardown())."""
        t0 = time.monotonic()
        _run(["ip", "-batch", "-"], "".join("netns add %s\n" % n for n in self.namespaces()))
        t1 = time.monotonic()
        sw = []
        for p in range(self.n_paths):
            sw += ["link add br%d type bridge" % p, "link set br%d addrgenmode none" % p, "link set br%d up" % p]
        _run(["ip", "-n", self.sw, "-batch", "-"], "".join(line + "\n" for line in sw))
        jobs = []
        for i in range(self.n_hosts):
            lines = ["link set lo up"]
            for p in range(self.n_paths):
                lines += ["link add p%d type veth peer name %s netns %s" % (p, self.switch_port(i, p), self.sw),
                          "link set p%d addrgenmode none" % p,
                          "addr add %s/16 dev p%d" % (self.addr(i, p), p),
                          "link set p%d up" % p]
            jobs.append((i, ["ip", "-n", self.ns(i), "-batch", "-"], "".join(line + "\n" for line in lines)))
        _, errors = _run_many(jobs)
        if errors:
            raise RuntimeError("hbpool net setup: " + "; ".join(errors[:3]))
        t2 = time.monotonic()
        sw = []
        for i in range(self.n_hosts):
            for p in range(self.n_paths):
                port = self.switch_port(i, p)
                sw += ["link set %s addrgenmode none" % port, "link set %s master br%d up" % (port, p)]
        _run(["ip", "-n", self.sw, "-batch", "-"], "".join(line + "\n" for line in sw))
        t3 = time.monotonic()
        self._restore = self._find_restore()
        t4 = time.monotonic()
        self.timings.update(setup_netns_s=t1 - t0, setup_hosts_s=t2 - t1, setup_ports_s=t3 - t2,
                            setup_iptables_probe_s=t4 - t3, setup_s=t4 - t0)

    def _find_restore(self):
        """The first iptables-restore that can write a filter table in host 0."""
        env = os.environ.get("HBPOOL_IPTABLES_RESTORE")
        candidates = [env] if env else ["iptables-nft-restore", "iptables-restore", "iptables-legacy-restore"]
        tried = []
        for c in candidates:
            if not shutil.which(c):
                continue
            r = subprocess.run(_in_ns(self.ns(0), [c]), input=self._table(()), capture_output=True, text=True)
            if r.returncode == 0:
                return c
            tried.append("%s: %s" % (c, r.stderr.strip()))
        raise RuntimeError("hbpool net: no working iptables-restore (install the Debian package iptables)%s"
                           % ("; " + "; ".join(tried) if tried else ""))

    def teardown(self, kill=True):
        """Deletes every namespace of this pool that exists, first killing
        (SIGKILL) the processes still inside them when kill is set (a process
        left in a deleted namespace would keep it, and its veths, alive out of
        sight of leftovers()). Idempotent; works after a partial setup; never
        raises."""
        t0 = time.monotonic()
        try:
            names = [n for n in self.namespaces() if os.path.exists(os.path.join(NETNS_DIR, n))]
            if names and kill:
                _kill_in(names)
            _delete_ns(names)
        except Exception:  # noqa: BLE001
            pass
        self._isolated.clear()
        self._blocked.clear()
        self._loss.clear()
        self._applied.clear()
        self._links_down.clear()
        self.timings["teardown_s"] = time.monotonic() - t0

    # ---- faults ---------------------------------------------------------
    def _check(self, i):
        if not (isinstance(i, int) and 0 <= i < self.n_hosts):
            raise ValueError("no host %r in a pool of %d" % (i, self.n_hosts))

    def isolate(self, i):
        """Host i loses every link, both directions: it receives nothing and
        nobody receives from it."""
        self._check(i)
        self._isolated.add(i)
        self._apply()

    def partition(self, groups):
        """Hosts in different groups cannot talk; a host in no group is a
        group of its own. Adds to the faults already in force."""
        group_of = {}
        for g, members in enumerate(groups):
            for h in members:
                self._check(h)
                if h in group_of and group_of[h] != g:
                    raise ValueError("host %d is in two groups" % h)
                group_of[h] = g
        gid = [group_of.get(h, ("alone", h)) for h in range(self.n_hosts)]
        for a in range(self.n_hosts):
            for b in range(self.n_hosts):
                if a != b and gid[a] != gid[b]:
                    self._blocked.add((a, b))
        self._apply()

    def cut(self, a, b):
        """One way: b no longer receives from a (on every path); a still
        receives from b."""
        self._check(a)
        self._check(b)
        if a == b:
            raise ValueError("cut %d -> %d: a host to itself" % (a, b))
        self._blocked.add((a, b))
        self._apply()

    def loss(self, ppm, host=None, host2=None, path=None):
        """Packets lost at random with probability ppm / 10^6 on the links
        named as hbsim names them (sim_net_quality): every link (host None),
        every link to and from host (host2 None), or host -> host2 only; on
        one path, or on every path (path None). Replaces the rate in force
        on those links; 0 repairs them."""
        if not 0 <= ppm <= 1000000:
            raise ValueError("loss rate %r ppm out of range" % (ppm,))
        for h in (host, host2):
            if h is not None:
                self._check(h)
        if path is not None and not 0 <= path < self.n_paths:
            raise ValueError("no path %r" % (path,))
        for p in range(self.n_paths):
            if path is not None and p != path:
                continue
            for a in range(self.n_hosts):
                for b in range(self.n_hosts):
                    if a == b:
                        continue
                    if host is not None and (((a, b) != (host, host2)) if host2 is not None
                                             else (host not in (a, b))):
                        continue
                    if ppm:
                        self._loss[(p, a, b)] = ppm
                    else:
                        self._loss.pop((p, a, b), None)
        self._apply()

    def heal(self):
        """Every network fault removed: rules flushed, loss rates cleared,
        links set down by set_link() up again."""
        t0 = time.monotonic()
        self._isolated.clear()
        self._blocked.clear()
        self._loss.clear()
        errors = self._apply(timed=False)
        if self._links_down:
            links = sorted(self._links_down)
            lines = "".join("link set %s up\n" % self.switch_port(i, p) for i, p in links)
            r = subprocess.run(["ip", "-force", "-n", self.sw, "-batch", "-"], input=lines,
                               capture_output=True, text=True)
            if r.returncode != 0:
                errors.append(r.stderr.strip())
            else:
                self._links_down.clear()
                errors += self._flush_neighbours(links)
        self.last_fault_s = time.monotonic() - t0
        if errors:
            raise RuntimeError("hbpool net heal: " + "; ".join(errors[:3]))

    def set_link(self, i, p, up):
        """Path p of host i fails (up=False) or comes back: the switch port
        goes down, so the host's p{p} loses carrier (NO-CARRIER) while
        keeping its address and its bound sockets. Not a scenario statement;
        heal() brings such links back too."""
        self._check(i)
        if not 0 <= p < self.n_paths:
            raise ValueError("no path %r" % p)
        _run(["ip", "-n", self.sw, "link", "set", self.switch_port(i, p), "up" if up else "down"])
        if up:
            self._links_down.discard((i, p))
            errors = self._flush_neighbours([(i, p)])
            if errors:
                raise RuntimeError("hbpool net: " + errors[0])
        else:
            self._links_down.add((i, p))

    def _flush_neighbours(self, links):
        """Forget the neighbour entries host i's p{p} left INCOMPLETE while it
        had no carrier: else its first sends after the link comes back wait
        for the next ARP retry (up to a second)."""
        jobs = [((i, p), ["ip", "-n", self.ns(i), "neigh", "flush", "dev", "p%d" % p], "") for i, p in links]
        return _run_many(jobs)[1]

    def faults(self):
        """What is in force: {"isolated": [...], "blocked": [(a, b), ...],
        "links_down": [(i, p), ...]} (blocked: b receives nothing from a)."""
        return {"isolated": sorted(self._isolated), "blocked": sorted(self._blocked),
                "links_down": sorted(self._links_down), "loss": dict(sorted(self._loss.items()))}

    def _senders_blocked(self):
        """{b: set of a} for b receiving nothing from a (isolated hosts aside)."""
        blocked = {}
        for a, b in self._blocked:
            blocked.setdefault(b, set()).add(a)
        return blocked

    def rules(self, i, blocked=None):
        """The INPUT rules host i should have for the faults in force."""
        if i in self._isolated:
            return ("-A INPUT -i p+ -j DROP",)
        if blocked is None:
            blocked = self._senders_blocked()
        sources = sorted((self._isolated | blocked.get(i, set())) - {i})
        rules = tuple("-A INPUT -s %s/32 -j DROP" % self.addr(a, p) for a in sources for p in range(self.n_paths))
        lossy = sorted((p, a, ppm) for (p, a, b), ppm in self._loss.items() if b == i and a not in sources)
        return rules + tuple("-A INPUT -s %s/32 %s-j DROP" % (
            self.addr(a, p), "" if ppm >= 1000000 else "-m statistic --mode random --probability %.6f " % (ppm / 1e6))
            for p, a, ppm in lossy)

    @staticmethod
    def _table(rules):
        return "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n%sCOMMIT\n" % "".join(
            r + "\n" for r in rules)

    def _apply(self, timed=True):
        """Writes the filter table of every host whose rules change."""
        t0 = time.monotonic()
        if self._restore is None:
            self._restore = self._find_restore()
        jobs = []
        blocked = self._senders_blocked()
        for i in range(self.n_hosts):
            want = self.rules(i, blocked)
            if self._applied.get(i, ()) != want:
                jobs.append(((i, want), _in_ns(self.ns(i), [self._restore]), self._table(want)))
        ok, errors = _run_many(jobs)
        for i, want in ok:
            if want:
                self._applied[i] = want
            else:
                self._applied.pop(i, None)
        if timed:
            self.last_fault_s = time.monotonic() - t0
            if errors:
                raise RuntimeError("hbpool net: " + "; ".join(errors[:3]))
        return errors
