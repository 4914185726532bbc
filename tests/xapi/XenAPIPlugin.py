"""Stand-in for dom0's XenAPIPlugin module (tests only).

Failure as xapi's: an exception with a code and a list of string params.
dispatch() runs one function from the command line instead of decoding
xapi's XML-RPC call: `plugin FN [KEY=VALUE...]` prints the result, or
"FAILURE CODE PARAM..." and exits 1.
"""
import sys


class Failure(Exception):
    def __init__(self, code, params):
        Exception.__init__(self, code, params)
        self.code = code
        self.params = params


def dispatch(fn_table):
    if len(sys.argv) < 2 or sys.argv[1] not in fn_table:
        sys.exit("usage: %s %s [KEY=VALUE...]" % (sys.argv[0], "|".join(sorted(fn_table))))
    args = dict(a.split("=", 1) for a in sys.argv[2:] if "=" in a)
    try:
        print(fn_table[sys.argv[1]](None, args))
    except Failure as e:
        print("FAILURE %s %s" % (e.code, " ".join(e.params)))
        sys.exit(1)
