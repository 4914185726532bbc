"""pool_storage: the shared statefile of an hbpool pool, with per-host faults.

Owns: one backing file (WORKDIR/statefile.img), and per host i an hbfaultfs
mount of it at WORKDIR/fs{i} (log WORKDIR/fs{i}.log) and a loop device over
WORKDIR/fs{i}/statefile (direct I/O, the pool's logical sector size). Host i's
agent uses device(i) as its statefile; all the loop devices see the same bytes
(hbfaultfs opens its files with direct_io, so no page cache sits between the
mounts), and a fault set on host i's mount (hbfaultfs control file) hits only
host i's I/O, in the kernel: the agent's O_DIRECT/libaio reads and writes of
/dev/loopN fail, block (D state) or slow down like a real LUN's would.

    s = Storage(prefix, workdir, n_hosts, sector, "/path/to/hbfaultfs")
    s.setup()                  # raises RuntimeError naming what failed
    s.device(i)                # "/dev/loopN"
    s.fail(i) / s.hang(i) / s.slow(i, ms) / s.torn(i) / s.heal(i)   # i None: all hosts
    s.status(i)                # hbfaultfs's counters: {"mode": "hang", "reads": 12, ...}
    s.teardown()               # heals first; idempotent; never raises
                               # (keep_files=True: keep statefile.img and the logs)

    leftovers(prefix) / heal_leftovers(prefix) / cleanup_leftovers(prefix)

Every resource's path contains `prefix` (the workdir must), so leftovers(prefix)
and cleanup_leftovers(prefix) find what an interrupted run left: loop devices
whose backing file contains it, mounts whose path or source contains it,
hbfaultfs processes whose command line contains it.

Mount namespaces: the root mount is private here, so a namespace made while
the mounts exist (each agent's `ip netns exec`, also another pool's) holds a
copy of them that our unmount does not reach; hbfaultfs then lingers after
the unmount and teardown ends it with SIGTERM after 0.5 s (those copies go
dead, harmlessly). Run setup() and teardown() in the root mount namespace.

Needs root, /dev/fuse, losetup (util-linux), fusermount3 (or umount).
Python standard library only.
"""

import os
import signal
import subprocess
import sys
import time

MIB = 1024 * 1024
BLOCK = 4096
MIN_SIZE = 4 * MIB
CMD_TIMEOUT_S = 30
GONE_TIMEOUT_S = 10
POLL_S = 0.05


def _warn(msg):
    print("pool_storage: " + msg, file=sys.stderr, flush=True)


def _run(argv, timeout=CMD_TIMEOUT_S):
    """Run a command; returns (returncode, stdout, stderr). A missing program
    or a timeout is returncode 127 / 124 with the reason in stderr."""
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        return r.returncode, r.stdout, r.stderr
    except FileNotFoundError as e:
        return 127, "", str(e)
    except subprocess.TimeoutExpired:
        return 124, "", "%s: timed out after %g s" % (argv[0], timeout)


def _unescape(s):
    """/proc/self/mountinfo escapes space, tab, newline and backslash as \\ooo."""
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 4 <= len(s) and s[i + 1:i + 4].isdigit():
            out.append(chr(int(s[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def _mounts():
    """[(mountpoint, fstype, source)] from /proc/self/mountinfo."""
    out = []
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                lf, rf = left.split(), right.split()
                if len(lf) >= 5 and len(rf) >= 2:
                    out.append((_unescape(lf[4]), rf[0], _unescape(rf[1])))
    except OSError:
        pass
    return out


def _is_mounted(path):
    return any(mp == path for mp, _, _ in _mounts())


def _loops():
    """{"/dev/loopN": backing file} for every bound loop device."""
    out = {}
    try:
        names = os.listdir("/sys/block")
    except OSError:
        return out
    for n in names:
        if not n.startswith("loop"):
            continue
        try:
            with open("/sys/block/%s/loop/backing_file" % n) as f:
                out["/dev/" + n] = f.read().rstrip("\n")
        except OSError:
            continue  # not bound
    return out


def _loop_backing(dev):
    try:
        with open("/sys/block/%s/loop/backing_file" % os.path.basename(dev)) as f:
            return f.read().rstrip("\n")
    except OSError:
        return None


def _loop_dio(dev):
    try:
        with open("/sys/block/%s/loop/dio" % os.path.basename(dev)) as f:
            return f.read().strip() == "1"
    except OSError:
        return None


def _alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
        return stat[stat.rindex(")") + 2] != "Z"
    except (OSError, ValueError, IndexError):
        return False


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def _faultfs_pids(substring=None, mountpoint=None):
    """hbfaultfs processes (not zombies) whose command line contains substring,
    or that have mountpoint as an argument."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        argv = _cmdline(int(d))
        if not argv or os.path.basename(argv[0]) != "hbfaultfs":
            continue
        if substring is not None and substring not in " ".join(argv):
            continue
        if mountpoint is not None and mountpoint not in argv:
            continue
        if _alive(int(d)):
            out.append(int(d))
    return sorted(out)


def _wait(pred, timeout):
    end = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(POLL_S)


def _holders(dev):
    """Processes that have dev open (for a message)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            for fd in os.listdir("/proc/%s/fd" % d):
                if os.readlink("/proc/%s/fd/%s" % (d, fd)) == dev:
                    out.append("%s(%s)" % (d, " ".join(_cmdline(int(d)))[:60]))
                    break
        except OSError:
            continue
    return out


def _write_control(ctl, line, timeout=None):
    """Write one line to an hbfaultfs control file. With a timeout, in a child
    process, so a stopped or wedged hbfaultfs cannot block the caller (a FUSE
    request waits killably)."""
    data = (line + "\n").encode()
    if timeout is None:
        fd = os.open(ctl, os.O_WRONLY | os.O_CLOEXEC)
        try:
            if os.write(fd, data) != len(data):
                raise OSError("short write to %s" % ctl)
        finally:
            os.close(fd)
        return
    code = ("import os,sys; fd=os.open(sys.argv[1], os.O_WRONLY); os.write(fd, sys.argv[2].encode())")
    rc, _, err = _run([sys.executable, "-c", code, ctl, line + "\n"], timeout=timeout)
    if rc != 0:
        raise OSError("writing %r to %s: %s" % (line, ctl, err.strip().splitlines()[-1] if err.strip() else rc))


def _read_control(ctl):
    with open(ctl) as f:
        text = f.read()
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        out[k] = int(v) if v.isdigit() else v
    return out


def _detach(dev, backing_substring):
    """losetup -d dev, then wait until it is unbound (or bound to something
    else). Returns True when it is gone."""
    if backing_substring not in (_loop_backing(dev) or ""):
        return True
    rc, _, err = _run(["losetup", "-d", dev])
    if rc != 0 and backing_substring in (_loop_backing(dev) or ""):
        _warn("losetup -d %s: %s" % (dev, err.strip()))
    # A device still open is only marked autoclear: it goes at its last close.
    if _wait(lambda: backing_substring not in (_loop_backing(dev) or ""), GONE_TIMEOUT_S):
        return True
    _warn("%s is still bound after %d s (held by: %s)" % (dev, GONE_TIMEOUT_S, ", ".join(_holders(dev)) or "?"))
    return False


def _unmount(path):
    """Unmount an hbfaultfs mount: fusermount3 -u, umount, and as the last
    resort umount -l, but not while a loop device is still bound to a file in
    it: lazily detached, the loop device's backing file would read
    "/statefile" and no cleanup could trace it back to its run. Returns True
    when path is no longer a mount point."""
    if not _is_mounted(path):
        return True
    errs = []
    for argv in (["fusermount3", "-u", path], ["umount", path]):
        rc, _, err = _run(argv)
        if rc == 0 or not _is_mounted(path):
            return True
        errs.append("%s: %s" % (argv[0], err.strip()))
    bound = [d for d, b in _loops().items() if b.startswith(path + "/")]
    if bound:
        _warn("cannot unmount %s (%s): %s still bound to it; left mounted"
              % (path, "; ".join(errs), ", ".join(sorted(bound))))
        return False
    rc, _, err = _run(["umount", "-l", path])
    if rc == 0 or not _is_mounted(path):
        _warn("%s needed a lazy unmount (%s)" % (path, "; ".join(errs)))
        return True
    _warn("cannot unmount %s: %s; umount -l: %s" % (path, "; ".join(errs), err.strip()))
    return False


def _stop(pids, what):
    """Wait briefly for processes to exit by themselves, then SIGTERM, then
    SIGKILL, by pid. hbfaultfs exits when its file system is unmounted, but
    only once no mount namespace holds a copy of the mount: the root mount
    is private here, so every namespace made while the mount existed (an
    agent's `ip netns exec`, also another pool's) keeps a copy that our
    unmount does not reach. SIGTERM then ends it; those copies go dead and
    vanish with their namespaces."""
    pids = [p for p in pids if _alive(p)]
    if not pids:
        return
    if _wait(lambda: not any(_alive(p) for p in pids), 0.5):
        return
    for sig in (signal.SIGCONT, signal.SIGTERM):
        for p in pids:
            if _alive(p):
                try:
                    os.kill(p, sig)
                except OSError:
                    pass
    if _wait(lambda: not any(_alive(p) for p in pids), 5):
        return
    for p in pids:
        if _alive(p):
            _warn("%s pid %d ignored SIGTERM: SIGKILL" % (what, p))
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
    _wait(lambda: not any(_alive(p) for p in pids), 5)


class Storage:
    def __init__(self, prefix: str, workdir: str, n_hosts: int, sector: int, faultfs: str):
        if not prefix:
            raise ValueError("pool_storage: empty prefix")
        workdir = os.path.abspath(workdir)
        if prefix not in workdir:
            raise ValueError("pool_storage: workdir %s does not contain the prefix %r: "
                             "its resources could not be found after an interrupted run" % (workdir, prefix))
        if sector not in (512, 4096):
            raise ValueError("pool_storage: sector size %r: must be 512 or 4096" % (sector,))
        if n_hosts < 1:
            raise ValueError("pool_storage: n_hosts %r" % (n_hosts,))
        self.prefix = prefix
        self.workdir = workdir
        self.n_hosts = n_hosts
        self.sector = sector
        self.faultfs = os.path.abspath(faultfs)
        self.image = os.path.join(workdir, "statefile.img")
        self.size = max(MIN_SIZE, -(-(n_hosts + 1) * BLOCK // MIB) * MIB)
        self.mounts = {}   # i -> mount point (mounted by us)
        self.loops = {}    # i -> /dev/loopN
        self.pids = {}     # i -> hbfaultfs pid
        self.direct_io = None  # True, False (refused somewhere), None before setup
        self._dio_said = False

    # ---- paths -------------------------------------------------------------

    def mountpoint(self, i):
        return os.path.join(self.workdir, "fs%d" % i)

    def control(self, i):
        return os.path.join(self.mountpoint(i), "control")

    def log(self, i):
        return os.path.join(self.workdir, "fs%d.log" % i)

    def device(self, i: int) -> str:
        if i not in self.loops:
            raise ValueError("pool_storage: host %r has no loop device (setup not done?)" % (i,))
        return self.loops[i]

    # ---- set-up -------------------------------------------------------------

    def setup(self) -> None:
        if not os.access(self.faultfs, os.X_OK):
            raise RuntimeError("pool_storage: hbfaultfs not found at %s (build tests/pool)" % self.faultfs)
        for knob in ("default_request_timeout", "max_request_timeout"):
            try:
                with open("/proc/sys/fs/fuse/" + knob) as f:
                    v = int(f.read().strip() or 0)
            except (OSError, ValueError):
                continue
            if v > 0:
                _warn("fs.fuse.%s is %d s: a hang longer than that aborts the FUSE connection "
                      "(the I/O then fails instead of hanging)" % (knob, v))
        os.makedirs(self.workdir, exist_ok=True)
        fd = os.open(self.image, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.ftruncate(fd, self.size)  # sparse, zeroes
        finally:
            os.close(fd)
        for i in range(self.n_hosts):
            self._mount(i)
            self._attach(i)

    def _mount(self, i):
        mp = self.mountpoint(i)
        os.makedirs(mp, exist_ok=True)
        if _is_mounted(mp):
            raise RuntimeError("pool_storage: %s is already a mount point" % mp)
        rc, out, err = _run([self.faultfs, self.image, mp, "--log=" + self.log(i)])
        if rc != 0 or not _is_mounted(mp):
            # hbfaultfs daemonises only once mounted: a failure is on its stderr.
            raise RuntimeError("pool_storage: hbfaultfs %s %s failed (exit %d): %s"
                               % (self.image, mp, rc, (err or out).strip() or "no message"))
        self.mounts[i] = mp
        pids = _faultfs_pids(mountpoint=mp)
        if pids:
            self.pids[i] = pids[-1]

    def _attach(self, i):
        sf = os.path.join(self.mountpoint(i), "statefile")
        base = ["losetup", "--find", "--show", "--sector-size", str(self.sector)]
        rc, out, err = _run(base + ["--direct-io=on", sf])
        dev = out.strip()
        if rc != 0 or not dev.startswith("/dev/loop"):
            # Some losetup versions leave the device bound when only the
            # direct-I/O request fails: detach it before trying again.
            for d, b in _loops().items():
                if b == sf:
                    _detach(d, sf)
            if not self._dio_said:
                _warn("losetup --direct-io=on refused on %s (%s): using direct-io=off "
                      "(hbfaultfs has no page cache, so the hosts stay coherent)" % (sf, err.strip()))
                self._dio_said = True
            self.direct_io = False
            rc, out, err = _run(base + ["--direct-io=off", sf])
            dev = out.strip()
            if rc != 0 or not dev.startswith("/dev/loop"):
                raise RuntimeError("pool_storage: losetup %s failed: %s" % (sf, err.strip()))
        self.loops[i] = dev
        dio = _loop_dio(dev)
        if dio is False:
            if not self._dio_said:
                _warn("%s over %s runs without direct I/O (the kernel refused it)" % (dev, sf))
                self._dio_said = True
            self.direct_io = False
        elif self.direct_io is None:
            self.direct_io = True

    # ---- faults -------------------------------------------------------------

    def _targets(self, i):
        if i is None:
            return sorted(self.mounts)
        if i not in self.mounts:
            raise ValueError("pool_storage: host %r has no hbfaultfs mount" % (i,))
        return [i]

    def _set(self, i, line):
        for j in self._targets(i):
            _write_control(self.control(j), line)

    def fail(self, i):
        """Every statefile I/O of host i (None: all) fails with EIO."""
        self._set(i, "error")

    def hang(self, i):
        """Every statefile I/O of host i (None: all) blocks until heal."""
        self._set(i, "hang")

    def slow(self, i, ms):
        """Every statefile I/O of host i (None: all) takes ms milliseconds more."""
        self._set(i, "slow %d" % int(ms))

    def torn(self, i, nbytes=512):
        """Host i's (None: all) next write of more than nbytes lands torn: only
        its first nbytes are written, full success is reported. The default
        tears a 4 KiB block after its first 512 bytes, also on a 4096-byte-
        sector pool (where a 4 KiB block is one sector and cannot tear at a
        sector boundary; a 512e disk underneath could still tear it there)."""
        self._set(i, "torn %d" % int(nbytes))

    def heal(self, i):
        """Back to pass-through; hung I/O completes. Never raises: a host
        without a live mount is reported and skipped."""
        targets = sorted(self.mounts) if i is None else [i]
        for j in targets:
            if j not in self.mounts:
                _warn("heal: host %r has no hbfaultfs mount" % (j,))
                continue
            try:
                _write_control(self.control(j), "pass", timeout=10)
            except OSError as e:
                _warn("heal host %d: %s" % (j, e))

    def status(self, i):
        """hbfaultfs's control file for host i as a dict (mode, counters)."""
        return _read_control(self.control(self._targets(i)[0]))

    # ---- tear-down ----------------------------------------------------------

    def teardown(self, keep_files=False) -> None:
        """Heal, detach the loop devices, unmount, stop hbfaultfs, remove the
        mount points and (unless keep_files) the backing file and the logs."""
        try:
            self._teardown(keep_files)
        except Exception as e:  # never raise from a tear-down
            _warn("teardown: %s: %s" % (type(e).__name__, e))

    def _teardown(self, keep_files):
        # Mounts and loop devices this object did not record (set-up
        # interrupted between making one and the bookkeeping) are found by path.
        for i in range(self.n_hosts):
            mp = self.mountpoint(i)
            if i not in self.mounts and _is_mounted(mp):
                self.mounts[i] = mp
        self.heal(None)
        stray = [(i, d) for d, b in _loops().items() for i in range(self.n_hosts)
                 if b == os.path.join(self.mountpoint(i), "statefile") and d != self.loops.get(i)]
        for i, d in stray:
            _detach(d, self.mountpoint(i) + "/")
        for i in sorted(self.loops):
            if _detach(self.loops[i], self.mountpoint(i) + "/"):
                del self.loops[i]
        unmounted = []
        for i in sorted(self.mounts):
            mp = self.mounts[i]
            pids = _faultfs_pids(mountpoint=mp)
            if _unmount(mp):
                del self.mounts[i]
                unmounted += pids + ([self.pids.pop(i)] if i in self.pids else [])
            # else: left running (a loop device it serves is still held);
            # leftovers() reports both, cleanup_leftovers() removes them.
        # They exit by themselves once unmounted; signalled if they linger.
        _stop(sorted(set(unmounted)), "hbfaultfs")
        for i in range(self.n_hosts):
            mp = self.mountpoint(i)
            if not _is_mounted(mp):
                for p in [mp] + ([] if keep_files else [self.log(i)]):
                    try:
                        (os.rmdir if p == mp else os.unlink)(p)
                    except FileNotFoundError:
                        pass
                    except OSError as e:
                        _warn("remove %s: %s" % (p, e))
        if self.loops or self.mounts:
            _warn("teardown left %s" % ", ".join(list(self.loops.values()) + list(self.mounts.values())))
        elif not keep_files:
            try:
                os.unlink(self.image)
            except FileNotFoundError:
                pass
            except OSError as e:
                _warn("remove %s: %s" % (self.image, e))


# ---- leftovers of interrupted runs ------------------------------------------

def leftovers(prefix: str) -> list:
    """What runs with this prefix left behind: loop devices whose backing file
    contains prefix, mounts whose mount point or source contains it, hbfaultfs
    processes whose command line contains it. Human-readable strings."""
    if not prefix:
        raise ValueError("pool_storage: empty prefix")
    out = []
    for dev, back in sorted(_loops().items()):
        if prefix in back:
            out.append("loop device %s (backing %s)" % (dev, back))
    for mp, fstype, src in _mounts():
        if prefix in mp or prefix in src:
            out.append("mount %s (%s, %s)" % (mp, fstype, src))
    for pid in _faultfs_pids(substring=prefix):
        out.append("hbfaultfs pid %d (%s)" % (pid, " ".join(_cmdline(pid))))
    return out


def heal_leftovers(prefix: str) -> None:
    """Set every live hbfaultfs mount of this prefix back to pass, so that I/O
    hung in it completes and the processes blocked on it (agents in D state)
    can be killed. Call it before killing a dead run's agents."""
    if not prefix:
        raise ValueError("pool_storage: empty prefix")
    for p in _faultfs_pids(substring=prefix):  # a stopped hbfaultfs answers nothing
        try:
            os.kill(p, signal.SIGCONT)
        except OSError:
            pass
    for mp, fstype, src in _mounts():
        if fstype == "fuse.hbfaultfs" and (prefix in mp or prefix in src):
            try:
                _write_control(os.path.join(mp, "control"), "pass", timeout=5)
            except OSError:
                pass  # dead mount (its hbfaultfs was killed): its I/O already fails


def cleanup_leftovers(prefix: str) -> None:
    """Remove what leftovers(prefix) reports: heal every live hbfaultfs mount
    (heal_leftovers), detach the loop devices (a device still held by a
    process goes at its last close: waited for up to 10 s), unmount, stop the
    hbfaultfs processes. Files are left to whoever owns the directories."""
    if not prefix:
        raise ValueError("pool_storage: empty prefix")
    pids = _faultfs_pids(substring=prefix)
    heal_leftovers(prefix)
    mounts = [(mp, fstype) for mp, fstype, src in _mounts() if prefix in mp or prefix in src]
    for dev, back in sorted(_loops().items()):
        if prefix in back:
            _detach(dev, back)
    for mp, _ in sorted(mounts, key=lambda m: -len(m[0])):  # deepest first
        _unmount(mp)
    _stop(pids + _faultfs_pids(substring=prefix), "hbfaultfs")
