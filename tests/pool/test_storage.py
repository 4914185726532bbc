#!/usr/bin/env python3
"""test_storage.py HBFAULTFS [HBCTL]: hbpool's storage layer on real devices.

For a 3-host pool with 512- and then 4096-byte sectors (pool_storage.Storage
over hbfaultfs mounts and loop devices):
  - the loop devices have the sector size and direct I/O;
  - coherence: a 4 KiB O_DIRECT write through host 0's device reads back
    through host 1's and host 2's;
  - fail(1): host 1's reads and writes fail with EIO, host 0's still work;
  - hang(2): a read of host 2's device (dd iflag=direct) is still blocked
    (state D) after 2 s while the control file answers at once, also with
    20 reads hung; heal(2) completes them all with the right data;
  - slow(0, 300): a read takes >= 300 ms;
  - torn(0): the next 4 KiB write through host 0 lands only its first 512
    bytes (the rest reads back unchanged), and the one after is whole;
  - with HBCTL: `hbctl statefile init` / `dump` on the loop devices (init via
    host 0, dump via host 1 sees it); a dump through a hung host returns
    exit 8 within 5 s; set-excluded through a torn host 0 leaves its slot
    INVALID(bad_crc) for the others;
  - teardown leaves nothing (leftovers(prefix) == []) and is idempotent.
Then the ugly endings: a set-up that fails half way (torn down clean); an
hbfaultfs SIGKILLed or SIGTERMed under its loop device (teardown still
cleans); a test process SIGKILLed while a hang is in place (with a read
stuck in D state), after which cleanup_leftovers(prefix) removes everything.

Needs root, /dev/fuse, losetup and fusermount3; exits 77 (skip) otherwise.
The last line is "N passed, N failed".
"""

import errno
import mmap
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import pool_storage as ps  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import testlib  # noqa: E402  (tests/lib: the config generator, results)

BLOCK = 4096
children = []  # dd processes we started, killed by pid at the end
ok, fail, check = testlib.ok, testlib.fail, testlib.check


skip = testlib.skip


# ---- O_DIRECT block I/O ---------------------------------------------------

def dio_read(dev, block):
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT | os.O_CLOEXEC)
    try:
        buf = mmap.mmap(-1, BLOCK)  # page-aligned
        n = os.preadv(fd, [buf], block * BLOCK)
        if n != BLOCK:
            raise OSError(errno.EIO, "short read %d" % n)
        return bytes(buf)
    finally:
        os.close(fd)


def dio_write(dev, block, data):
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT | os.O_CLOEXEC)
    try:
        buf = mmap.mmap(-1, BLOCK)
        buf[:] = data
        n = os.pwritev(fd, [buf], block * BLOCK)
        if n != BLOCK:
            raise OSError(errno.EIO, "short write %d" % n)
    finally:
        os.close(fd)


def io_errno(fn, *args):
    """None when fn(*args) works, else its errno."""
    try:
        fn(*args)
        return None
    except OSError as e:
        return e.errno


def dd_read(dev, block, out):
    p = subprocess.Popen(["dd", "if=" + dev, "of=" + out, "iflag=direct", "bs=4096", "count=1",
                          "skip=%d" % block, "status=none"], stderr=subprocess.PIPE)
    children.append(p)
    return p


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
        state = s[s.rindex(")") + 2]
        with open("/proc/%d/wchan" % pid) as f:
            return state, f.read().strip()
    except (OSError, ValueError):
        return "?", "?"


def timed(fn, *args):
    t = time.monotonic()
    r = fn(*args)
    return r, (time.monotonic() - t) * 1000.0


def sector_size(dev):
    r = subprocess.run(["blockdev", "--getss", dev], capture_output=True, text=True)
    return int(r.stdout.strip()) if r.returncode == 0 else None


# ---- hbctl ----------------------------------------------------------------

GEN = "8a1c1f0e-3b0e-4c3f-9a43-1d2e3f405162"
HOSTS = ["11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222",
         "33333333-3333-3333-3333-333333333333"]


def write_conf(path, local, statefile):
    hosts = []
    for n, h in enumerate(HOSTS):
        hosts += ["--host", h, "192.0.2.%d" % (n + 1)]
    testlib.mkconf(path, "--gen", GEN, *hosts, "--local", HOSTS[local], "--statefile", statefile)


def hbctl(binary, conf, *args, timeout=30):
    t = time.monotonic()
    r = subprocess.run([binary, "-c", conf] + list(args), capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr, (time.monotonic() - t) * 1000.0


def check_hbctl(s, binary, sector):
    confs = []
    for i in range(3):
        c = os.path.join(s.workdir, "xhad.%d.conf" % i)
        write_conf(c, i, s.device(i))
        confs.append(c)
    rc, out, _ = hbctl(binary, confs[0], "statefile", "init")
    check(rc == 0, "hbctl statefile init on host 0's %s" % s.device(0), out)
    rc, out, _ = hbctl(binary, confs[1], "statefile", "dump")
    good = (rc == 0 and "global block:     VALID" in out and out.count(": EMPTY") == 3
            and ("logical sector:   %d bytes" % sector) in out)
    check(good, "hbctl statefile dump via host 1's %s: global VALID, 3 slots EMPTY, %d-byte sectors"
          % (s.device(1), sector), out)

    s.hang(2)
    rc, out, ms = hbctl(binary, confs[2], "statefile", "dump", "--timeout", "2000", timeout=20)
    check(rc == 8 and ms < 5000, "hbctl dump via hung host 2 gives up: exit %d after %.0f ms" % (rc, ms), out)
    s.heal(2)

    s.fail(1)
    rc, out, _ = hbctl(binary, confs[1], "statefile", "dump")
    check(rc != 0 or "IOERROR" in out, "hbctl dump via failed host 1: exit %d, %s" % (
        rc, (out.strip().splitlines() or ["?"])[-1][:100]), out)
    s.heal(1)

    rc, out, _ = hbctl(binary, confs[0], "statefile", "set-pool-state", "active")
    check(rc == 0, "hbctl set-pool-state active", out)
    torn_before = s.status(0).get("torn", 0)
    s.torn(0)
    rc, out, _ = hbctl(binary, confs[0], "statefile", "set-excluded")
    # The torn write reported success; hbctl's own read-back may notice.
    rc2, out2, _ = hbctl(binary, confs[1], "statefile", "dump")
    check("INVALID(bad_crc)" in out2 and "global block:     VALID" in out2,
          "set-excluded through torn host 0: slot 0 reads INVALID(bad_crc) via host 1 (hbctl exit %d)" % rc,
          out + out2)
    st = s.status(0)
    check(st.get("mode") == "pass" and st.get("torn") == torn_before + 1, "host 0 back to pass after one torn write",
          repr(st))


# ---- one pool -------------------------------------------------------------

def check_pool(faultfs, hbctl_bin, prefix, sector):
    workdir = tempfile.mkdtemp(prefix=prefix + "-%d-" % sector, dir="/var/tmp")
    s = ps.Storage(prefix, workdir, 3, sector, faultfs)
    print("== %d-byte sectors, workdir %s" % (sector, workdir), flush=True)
    try:
        t = time.monotonic()
        s.setup()
        devs = [s.device(i) for i in range(3)]
        ok("set up 3 hosts in %.2f s: %s (direct I/O %s)" % (time.monotonic() - t, " ".join(devs), s.direct_io))
        check(all(sector_size(d) == sector for d in devs), "every loop device has %d-byte sectors" % sector,
              repr([sector_size(d) for d in devs]))
        check(os.path.getsize(s.image) == 4 * 1024 * 1024, "backing file is 4 MiB")

        # coherence
        data = os.urandom(BLOCK)
        dio_write(devs[0], 3, data)
        check(all(dio_read(d, 3) == data for d in devs[1:]),
              "coherent: a 4 KiB O_DIRECT write via host 0 reads back via hosts 1 and 2")
        data2 = os.urandom(BLOCK)
        dio_write(devs[2], 3, data2)
        check(dio_read(devs[0], 3) == data2, "coherent the other way (host 2 -> host 0)")

        # fail
        s.fail(1)
        e_r, e_w = io_errno(dio_read, devs[1], 1), io_errno(dio_write, devs[1], 1, data)
        check(e_r == errno.EIO and e_w == errno.EIO, "fail(1): host 1's read and write fail with EIO",
              "read %s, write %s" % (e_r, e_w))
        check(io_errno(dio_write, devs[0], 1, data) is None and dio_read(devs[0], 1) == data,
              "fail(1): host 0 still reads and writes")
        s.heal(1)
        check(dio_read(devs[1], 1) == data, "heal(1): host 1 reads again, host 0's data")

        # hang
        dio_write(devs[0], 2, data2)
        s.hang(2)
        out = os.path.join(workdir, "dd.out")
        p = dd_read(devs[2], 2, out)
        time.sleep(2)
        state, wchan = proc_state(p.pid)
        check(p.poll() is None, "hang(2): dd iflag=direct on host 2 still blocked after 2 s (state %s, wchan %s)"
              % (state, wchan))
        check(state == "D", "hang(2): the blocked read is in the kernel (state D)", state)
        st, ms = timed(s.status, 2)
        check(st.get("mode") == "hang" and st.get("hanging", 0) >= 1 and ms < 1000,
              "hang(2): control answers in %.0f ms while I/O hangs (hanging %s)" % (ms, st.get("hanging")), repr(st))
        check(dio_read(devs[0], 2) == data2, "hang(2): host 0 unaffected")
        many = [dd_read(devs[2], 10 + k, os.path.join(workdir, "dd.%d" % k)) for k in range(20)]
        time.sleep(1)
        _, ms = timed(s.hang, 2)
        st = s.status(2)
        check(all(q.poll() is None for q in many) and ms < 1000 and st.get("hanging") == 21,
              "hang(2): with 21 reads hung (%s in hbfaultfs) a control write takes %.0f ms"
              % (st.get("hanging"), ms), repr(st))
        t = time.monotonic()
        s.heal(2)
        try:
            p.wait(timeout=5)
            for q in many:
                q.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        ms = (time.monotonic() - t) * 1000.0
        with open(out, "rb") as f:
            got = f.read()
        check(p.returncode == 0 and got == data2 and all(q.returncode == 0 for q in many),
              "heal(2): all 21 hung reads complete in %.0f ms, with the right data" % ms,
              "dd rc %s, %d bytes, others %s" % (p.returncode, len(got), [q.returncode for q in many]))

        # slow
        s.slow(0, 300)
        _, ms = timed(dio_read, devs[0], 2)
        check(ms >= 300 and ms < 3000, "slow(0, 300): a read takes %.0f ms" % ms)
        _, ms1 = timed(dio_read, devs[1], 2)
        check(ms1 < 300, "slow(0, 300): host 1's read takes %.0f ms" % ms1)
        t = time.monotonic()
        many = [dd_read(devs[0], 10 + k, "/dev/null") for k in range(20)]
        for q in many:
            q.wait(timeout=10)
        ms = (time.monotonic() - t) * 1000.0
        check(all(q.returncode == 0 for q in many) and 300 <= ms < 900,
              "slow(0, 300): 20 concurrent reads take %.0f ms in all (delayed in parallel)" % ms)
        s.heal(0)
        _, ms = timed(dio_read, devs[0], 2)
        check(ms < 300, "heal(0): a read takes %.0f ms" % ms)

        # torn
        old = os.urandom(BLOCK)
        dio_write(devs[0], 4, old)
        s.torn(0)
        new = os.urandom(BLOCK)
        e = io_errno(dio_write, devs[0], 4, new)
        got = dio_read(devs[1], 4)
        check(e is None and got[:512] == new[:512] and got[512:] == old[512:],
              "torn(0): the 4 KiB write reports success, lands its first 512 bytes only",
              "errno %s, first %s, rest %s" % (e, got[:512] == new[:512], got[512:] == old[512:]))
        dio_write(devs[0], 4, new)
        check(dio_read(devs[2], 4) == new, "torn(0): the next write lands whole")

        if hbctl_bin:
            check_hbctl(s, hbctl_bin, sector)

        # a fault left in place: teardown heals first
        s.hang(None)
        p = dd_read(devs[1], 1, os.path.join(workdir, "dd.last"))
        time.sleep(0.5)
        t = time.monotonic()
        s.teardown()
        check(p.poll() is not None, "teardown with every host hung: the hung read completed (rc %s)" % p.returncode)
        left = ps.leftovers(prefix)
        check(left == [], "teardown in %.2f s leaves nothing" % (time.monotonic() - t), repr(left))
        s.teardown()
        check(ps.leftovers(prefix) == [], "a second teardown is harmless")
        check(not os.path.exists(s.image) and not any(os.path.exists(s.mountpoint(i)) for i in range(3)),
              "teardown removed the backing file and the mount points")
    finally:
        s.teardown()
        shutil.rmtree(workdir, ignore_errors=True)


# ---- ugly endings -----------------------------------------------------------

def check_partial(faultfs, prefix):
    workdir = tempfile.mkdtemp(prefix=prefix + "-partial-", dir="/var/tmp")
    try:
        s = ps.Storage(prefix, workdir, 3, 512, "/nonexistent/hbfaultfs")
        try:
            s.setup()
            fail("setup with a missing hbfaultfs did not raise")
        except RuntimeError as e:
            ok("setup with a missing hbfaultfs raises: %s" % e)
        s.teardown()
        # Half a set-up: host 0 complete, host 1 mounted without its loop device.
        s = ps.Storage(prefix, workdir, 3, 512, faultfs)
        try:
            ps.Storage("nope", workdir, 3, 512, faultfs)
            fail("a workdir without the prefix is accepted")
        except ValueError:
            ok("a workdir without the prefix is refused")
        s.setup = None  # not used: build it by hand
        fd = os.open(s.image, os.O_RDWR | os.O_CREAT, 0o600)
        os.ftruncate(fd, s.size)
        os.close(fd)
        s._mount(0)
        s._attach(0)
        s._mount(1)
        s.hang(1)
        n = len(ps.leftovers(prefix))
        s.teardown()
        left = ps.leftovers(prefix)
        check(n == 5 and left == [], "teardown after a half set-up (%d resources) leaves nothing" % n, repr(left))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def check_faultfs_killed(faultfs, prefix):
    workdir = tempfile.mkdtemp(prefix=prefix + "-killed-", dir="/var/tmp")
    s = ps.Storage(prefix, workdir, 2, 4096, faultfs)
    try:
        s.setup()
        s.hang(0)
        p = dd_read(s.device(0), 0, os.path.join(workdir, "dd.0"))
        time.sleep(0.5)
        os.kill(s.pids[0], signal.SIGKILL)
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        check(p.returncode not in (None, 0), "hbfaultfs SIGKILLed under a hung read: the read fails (rc %s)"
              % p.returncode)
        os.kill(s.pids[1], signal.SIGTERM)
        time.sleep(1)
        left = ps.leftovers(prefix)
        check(sum(1 for x in left if x.startswith("mount ")) == 2
              and sum(1 for x in left if x.startswith("loop device") and prefix in x) == 2,
              "after SIGKILL / SIGTERM of hbfaultfs under loop devices, both mounts and loop devices are still "
              "traceable by the prefix", repr(left))
        s.teardown()
        left = ps.leftovers(prefix)
        check(left == [], "teardown after hbfaultfs died leaves nothing", repr(left))
    finally:
        s.teardown()
        shutil.rmtree(workdir, ignore_errors=True)


def child(faultfs, prefix, workdir):
    """The run that gets SIGKILLed: set up, hang host 1 with a read stuck."""
    s = ps.Storage(prefix, workdir, 3, 512, faultfs)
    s.setup()
    s.hang(1)
    p = subprocess.Popen(["dd", "if=" + s.device(1), "of=/dev/null", "iflag=direct", "bs=4096", "count=1",
                          "status=none"])
    time.sleep(0.5)
    print("ready %d" % p.pid, flush=True)
    time.sleep(3600)


def check_killed_run(faultfs, prefix):
    workdir = tempfile.mkdtemp(prefix=prefix + "-sigkill-", dir="/var/tmp")
    try:
        c = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--child", faultfs, prefix, workdir],
                             stdout=subprocess.PIPE, text=True)
        line = c.stdout.readline().split()
        if len(line) != 2 or line[0] != "ready":
            fail("the child run did not get ready: %r" % line)
            c.kill()
            c.wait()
            return
        dd = int(line[1])
        os.kill(c.pid, signal.SIGKILL)
        c.wait()
        state, wchan = proc_state(dd)
        left = ps.leftovers(prefix)
        kinds = [x.split()[0] for x in left]
        check(kinds.count("loop") == 3 and kinds.count("mount") == 3 and kinds.count("hbfaultfs") == 3,
              "the SIGKILLed run left 3 loop devices, 3 mounts, 3 hbfaultfs (its read in state %s, %s)"
              % (state, wchan), "\n  ".join([""] + left))
        t = time.monotonic()
        ps.cleanup_leftovers(prefix)
        left = ps.leftovers(prefix)
        check(left == [], "cleanup_leftovers removes everything in %.2f s" % (time.monotonic() - t), repr(left))
        gone = ps._wait(lambda: not ps._alive(dd), 5)
        check(gone, "the read that hung finished")
    finally:
        ps.cleanup_leftovers(prefix)
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return 0
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    faultfs = os.path.abspath(sys.argv[1])
    hbctl_bin = os.path.abspath(sys.argv[2]) if len(sys.argv) == 3 else None
    if os.geteuid() != 0:
        skip("needs root (loop devices, FUSE mounts)")
    if not os.path.exists("/dev/fuse"):
        skip("needs /dev/fuse")
    for prog in ("losetup", "dd", "blockdev"):
        if shutil.which(prog) is None:
            skip("needs %s" % prog)
    if not os.access(faultfs, os.X_OK):
        fail("hbfaultfs not found at %s" % faultfs)
        return testlib.summary()
    prefix = "hbstor%d" % os.getpid()
    try:
        for sector in (512, 4096):
            check_pool(faultfs, hbctl_bin, prefix, sector)
        check_partial(faultfs, prefix)
        check_faultfs_killed(faultfs, prefix)
        check_killed_run(faultfs, prefix)
    except Exception as e:  # a crash is a failure, and still cleans up
        import traceback
        traceback.print_exc()
        fail("exception: %s: %s" % (type(e).__name__, e))
    finally:
        for p in children:
            if p.poll() is None:
                p.kill()
        ps.cleanup_leftovers(prefix)
        left = ps.leftovers(prefix)
        if left:
            fail("left behind: %r" % left)
    return testlib.summary()


if __name__ == "__main__":
    sys.exit(main())
