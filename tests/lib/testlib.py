"""testlib.py: what the Python tests share besides the expectation rules
(expect.py): the config generator, tests/lib/mkconf, called as a program."""

import os
import subprocess
import sys

MKCONF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mkconf")

# the nine timeouts, in mkconf's --timing order
TIMING_ELEMENTS = ("HeartbeatInterval", "HeartbeatTimeout", "StateFileInterval", "StateFileTimeout",
                   "HeartbeatWatchdogTimeout", "StateFileWatchdogTimeout", "BootJoinTimeout",
                   "EnableJoinTimeout", "WatchdogTimeout")


def mkconf(path, *args):
    """Write the xhad.conf `mkconf ARGS...` prints to PATH (see tests/lib/mkconf)."""
    text = subprocess.run([MKCONF] + [str(a) for a in args], capture_output=True, text=True, check=True).stdout
    with open(path, "w") as f:
        f.write(text)


def timing_ms(params):
    """mkconf's --timing value for {element: milliseconds}."""
    return ",".join("%dms" % params[e] for e in TIMING_ELEMENTS)


# ---- results: the shell library's behaviour (tests/lib/lib.sh) -----------

passed = 0
failed = 0


def ok(msg):
    """An "ok: MSG" line, counted."""
    global passed
    passed += 1
    print("ok: " + msg, flush=True)


def fail(msg):
    """A "FAIL: MSG" line, counted."""
    global failed
    failed += 1
    print("FAIL: " + msg, flush=True)


def check(cond, msg, detail=""):
    """ok(MSG) when cond holds, else fail(MSG: DETAIL); returns cond."""
    if cond:
        ok(msg)
    else:
        fail(msg + (": " + detail if detail else ""))
    return cond


def skip(msg):
    """A "SKIP: MSG" line, then exit 77 (meson's skip)."""
    print("SKIP: " + msg, flush=True)
    sys.exit(77)


def summary():
    """The last line, "N passed, N failed", and the exit code (1 if any failed)."""
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
