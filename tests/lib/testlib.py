"""testlib.py: what the Python tests share besides the expectation rules
(expect.py): the config generator, tests/lib/mkconf, called as a program."""

import os
import subprocess

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
