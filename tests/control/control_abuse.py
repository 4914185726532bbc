#!/usr/bin/env python3
"""control_abuse.py SOCKET: misbehaving clients against a live agent's control
socket (docs/control.md, section 1), while a well-behaved client keeps asking
for the status. Each case prints "ok: ..." or "FAIL: ...", the status
latencies are printed as figures, and the exit code is the number of
failures. Needs root (it switches a child to uid 65534 with the agent's
control group 4242 for the permission cases and the slots kept for root)."""
import json
import os
import socket
import sys
import threading
import time

SOCK = sys.argv[1]
# A misbehaving client that held the loop would delay the status answers by
# about the idle cut-off (1 s) at least; a loaded machine by some tens of ms.
# So the test asserts "never held" with half the cut-off and prints the
# latency figures (typically a few ms, max about 100 ms on 2 busy cores)
# rather than asserting a speed.
HOLD_MS = 500.0
fails = 0


def ok(msg):
    print("ok: " + msg, flush=True)


def fail(msg):
    global fails
    fails += 1
    print("FAIL: " + msg, flush=True)


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(SOCK)
    return s


def read_line(s, timeout=5.0):
    """One response line, or None on EOF / timeout."""
    s.settimeout(timeout)
    buf = b""
    try:
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                return None
            buf += chunk
    except (socket.timeout, ConnectionResetError):
        return None
    return json.loads(buf.decode())


def ask(s, req):
    s.sendall((req if isinstance(req, str) else json.dumps(req)).encode() + b"\n")
    return read_line(s)


def at_eof(s, timeout=3.0):
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except (socket.timeout, BlockingIOError):
        return False
    except ConnectionResetError:
        return True


class Prober(threading.Thread):
    """Asks for the status every 20 ms on a fresh connection, records how
    long each answer took."""

    def __init__(self):
        super().__init__(daemon=True)
        self.lat = []
        self.errors = 0
        self.stop = False

    def run(self):
        while not self.stop:
            t = time.monotonic()
            try:
                s = connect()
                r = ask(s, {"v": 1, "cmd": "status"})
                s.close()
                if r is None or not r.get("ok"):
                    self.errors += 1
            except OSError:
                self.errors += 1
            self.lat.append((time.monotonic() - t) * 1000.0)
            time.sleep(0.02)


def expect_error(resp, error, code, what):
    if resp is not None and resp.get("ok") is False and resp.get("error") == error and resp.get("code") == code \
            and resp.get("reason") and resp.get("v") == 1:
        ok("%s: %s (%d): %s" % (what, error, code, resp["reason"]))
    else:
        fail("%s: expected %s (%d), got %r" % (what, error, code, resp))


def case_silent():
    s = connect()
    t = time.monotonic()
    r = read_line(s, timeout=3.0)
    dt = (time.monotonic() - t) * 1000
    expect_error(r, "timeout", 3, "a client that sends nothing")
    if 900 <= dt <= 2000 and at_eof(s):
        ok("... cut off after %.0f ms" % dt)
    else:
        fail("silent client: cut off after %.0f ms (expected about 1000), eof=%s" % (dt, at_eof(s)))
    s.close()


def case_huge():
    s = connect()
    sent = 0
    blob = b"x" * 65536
    try:
        for _ in range(16):  # 1 MiB, no newline
            s.sendall(blob)
            sent += len(blob)
    except (BrokenPipeError, ConnectionResetError):
        pass
    r = read_line(s)
    expect_error(r, "too-large", 1, "1 MiB without a newline (%d KiB sent before the cut)" % (sent // 1024))
    if at_eof(s):
        ok("... and the connection is closed")
    else:
        fail("oversized request: connection still open")
    s.close()


def case_malformed():
    s = connect()
    expect_error(ask(s, "{not json"), "bad-request", 1, "invalid JSON")
    expect_error(ask(s, "[1,2]"), "bad-request", 1, "a JSON array")
    expect_error(ask(s, '{"v":1}'), "bad-request", 1, "no cmd")
    expect_error(ask(s, '{"v":1,"cmd":"status","bogus":1}'), "bad-request", 1, "an unknown member")
    expect_error(ask(s, '{"v":1,"cmd":"set-weight","args":{"weight":0}}'), "bad-request", 1, "weight 0")
    expect_error(ask(s, '{"v":1,"cmd":"set-pool-state","args":{"state":"on"}}'), "bad-request", 1, "pool state on")
    expect_error(ask(s, '{"v":2,"cmd":"status"}'), "unsupported-version", 1, "protocol version 2")
    expect_error(ask(s, '{"v":1,"cmd":"launch-missiles","id":7}'), "unknown-command", 1, "an unknown command")
    r = ask(s, '{"v":1,"cmd":"ping","id":"abc"}')
    if r and r.get("ok") and r.get("result") == "pong" and r.get("id") == "abc":
        ok("the same connection still answers after eight bad requests; id echoed")
    else:
        fail("ping after bad requests: %r" % (r,))
    s.close()


def as_nobody(fn):
    """Run fn in a child as uid 65534 with supplementary group 4242 (the
    agent's control group) or without it; returns fn's JSON result."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            out = fn()
        except Exception as e:  # report it to the parent
            out = {"exception": repr(e)}
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.waitpid(pid, 0)
    return json.loads(data.decode())


def nobody(groups):
    def run():
        os.setgroups(groups)
        os.setgid(65534)
        os.setuid(65534)
        s = connect()
        return {"status": ask(s, {"v": 1, "cmd": "status"}), "disarm": ask(s, {"v": 1, "cmd": "disarm"}),
                "shutdown": ask(s, {"v": 1, "cmd": "shutdown"})}
    return run


def case_permissions():
    res = as_nobody(nobody([4242]))
    st = res.get("status") or {}
    if st.get("ok") and isinstance(st.get("result"), dict):
        ok("uid 65534 in the control group reads the status")
    else:
        fail("control group member status: %r" % (res,))
    expect_error(res.get("disarm"), "permission-denied", 16, "uid 65534 asks to disarm")
    expect_error(res.get("shutdown"), "permission-denied", 16, "uid 65534 asks to shut down")
    res = as_nobody(nobody([]))
    if "exception" in res and "Permission" in res["exception"]:
        ok("uid 65534 outside the control group cannot even connect (%s)" % res["exception"])
    else:
        expect_error(res.get("status"), "permission-denied", 16, "uid 65534 outside the group asks for the status")


def case_slow_reader():
    s = connect()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    req = b'{"v":1,"cmd":"status"}\n' * 200
    try:
        s.settimeout(5)
        s.sendall(req)
    except (socket.timeout, BrokenPipeError, ConnectionResetError):
        pass
    time.sleep(2.5)  # never reads
    if at_eof_draining(s):
        ok("a client that asks and never reads is cut off")
    else:
        fail("a client that never reads is still connected")
    s.close()


def at_eof_draining(s):
    s.settimeout(3)
    try:
        while True:
            c = s.recv(1 << 20)
            if not c:
                return True
    except (socket.timeout, BlockingIOError):
        return False
    except ConnectionResetError:
        return True


GROUP_SLOTS = 16  # docs/control.md: clients other than root at a time
ROOT_SLOTS = 4    # kept for root (xapi's scripts)


def case_too_many():
    """16 control-group clients fill their share: a 17th is closed at once,
    and root still gets in and is answered, up to 4 more clients."""
    r, w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.close(done_w)
        out = {}
        try:
            os.setgroups([4242])
            os.setgid(65534)
            os.setuid(65534)
            held = [connect() for _ in range(GROUP_SLOTS)]
            out["held_answers"] = ask(held[0], {"v": 1, "cmd": "ping"}) is not None
            out["extra_closed"] = at_eof(connect(), timeout=1.0)
        except Exception as e:  # report it to the parent
            out["exception"] = repr(e)
        os.write(w, json.dumps(out).encode())
        os.read(done_r, 1)  # hold the connections until the parent is done
        os._exit(0)
    os.close(w)
    os.close(done_r)
    res = json.loads(os.read(r, 65536).decode() or "{}")
    if res.get("held_answers") and res.get("extra_closed"):
        ok("a 17th control-group client is closed at once while 16 are connected")
    else:
        fail("16 control-group clients: %r" % (res,))
    roots = []
    try:
        roots.append(connect())
        pong = ask(roots[0], {"v": 1, "cmd": "ping"})
        if pong and pong.get("result") == "pong":
            ok("root is still answered while 16 control-group clients are connected")
        else:
            fail("root was not answered beside 16 control-group clients: %r" % (pong,))
        # quickly: the agent closes clients silent for 1 s, freeing slots
        roots += [connect() for _ in range(ROOT_SLOTS - 1)]
        if at_eof(connect(), timeout=0.5):
            ok("root takes the 4 slots kept for it, and no more (a 21st client is closed)")
        else:
            fail("a 21st client was kept")
    except OSError as e:
        fail("root could not connect beside 16 control-group clients: %r" % (e,))
    os.write(done_w, b"x")
    os.waitpid(pid, 0)
    for s in roots:
        s.close()
    time.sleep(0.1)


def counters():
    s = connect()
    r = ask(s, {"v": 1, "cmd": "status"})
    s.close()
    return r["result"]["control"]


def main():
    before = counters()
    prober = Prober()
    prober.start()
    time.sleep(0.3)
    silent = threading.Thread(target=case_silent)
    silent.start()  # concurrently with the others: it takes a second
    case_huge()
    case_malformed()
    case_permissions()
    silent.join()
    case_slow_reader()
    prober.stop = True
    prober.join()
    case_too_many()
    after = counters()
    lat = sorted(prober.lat)
    n = len(lat)
    print("status latency while misbehaving clients were served: n=%d min=%.1f ms median=%.1f ms "
          "p99=%.1f ms max=%.1f ms errors=%d" % (n, lat[0], lat[n // 2], lat[min(n - 1, n * 99 // 100)], lat[-1],
                                                  prober.errors), flush=True)
    if n >= 20 and lat[-1] < HOLD_MS and prober.errors == 0:
        ok("every status answered, none held by a misbehaving client (max %.1f ms, below %.0f ms)" % (lat[-1], HOLD_MS))
    else:
        fail("status answers: max %.1f ms (a held loop: %.0f ms or more), %d errors, %d answers" %
             (lat[-1], HOLD_MS, prober.errors, n))
    d = {k: after[k] - before[k] for k in after}
    print("control counters during the test: " + json.dumps(d), flush=True)
    want = {"idle_closed": 1, "oversize": 1, "bad_requests": 8, "denied": 2, "refused": 2}
    short = {k: (d.get(k), v) for k, v in want.items() if d.get(k, 0) < v}
    if not short and d.get("stalled_closed", 0) >= 1:
        ok("the counters account for every misbehaving client")
    else:
        fail("counters short: %r, stalled_closed %r" % (short, d.get("stalled_closed")))
    return fails


if __name__ == "__main__":
    sys.exit(min(main(), 100))
