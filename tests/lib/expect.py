"""expect.py: the scenario expectations and the safety contract, as the real
pools check them: one implementation for hbpool (tests/pool, namespaces) and
hbxen (tests/xen, Xen hosts under QEMU), beside hbsim's own in C
(tests/sim/sim_expect.c), whose meaning it keeps.

Expectations (a scenario's `expect TIME WHAT [within D]`, as hbscenario-json
gives them): each is met when it holds at some instant of its window
[TIME, TIME + D] (Window below):
  liveset L   every reporting host (running, Online) publishes exactly L
              (no host reporting: met only by the empty liveset)
  master H    H reports holding the lock, no other host does, and every
              reporting host names H (none: nobody holds or names one)
  down L      exactly the hosts in L are not running
  fenced L    exactly the hosts in L have fenced since the start
  reported-master H J   H reports Online and names master J (none: no
              master); nothing is asked of the other hosts

The safety contract, every round (docs/design.md; hbsim's checks):
  at-most-one-master    at most one host holds the master lock;
  removal-means-fenced  when an Online host's liveset loses host k, k is not
                        running as an Online, armed member any more once the
                        removal is confirmed (asked after the liveset was
                        read: a host that fenced in between is no violation),
                        unless k was disarmed or is not running.

A runner hands each round a view of what it observed:
  view.hosts            the host indices, in order
  view.status(i)        host i's status document as the checks may use it,
                        None when there is none to use
  view.reporting(i)     host i's status says Online (and is fresh)
  view.down_set()       the sorted hosts not running
  view.fenced_set()     the sorted hosts fenced since the start
  view.alive(i)         host i runs at all (its agent, or its machine)
  view.incarnation(i)   what changes when host i's agent restarts (a boot id;
                        None where the runner cannot tell)
  view.still_member(i)  asked when a removal of i is confirmed: None when i is
                        not running as an Online, armed member, else a few
                        words on how it still runs
"""


def master_of(s):
    """The master a status names, -1 for none."""
    m = s.get("master")
    return -1 if m is None else m


def holds(view, st):
    """Expectation statement st (hbscenario-json) holds in this view."""
    kind = st["kind"]
    want = st["hosts"]
    if kind == "expect-fenced":
        return view.fenced_set() == want
    if kind == "expect-down":
        return view.down_set() == want
    if kind == "expect-liveset":
        rep = [i for i in view.hosts if view.reporting(i)]
        if not rep:
            return want == []
        return all(sorted(view.status(i).get("liveset") or []) == want for i in rep)
    if kind == "expect-reported-master":
        h = st["host"]
        want_m = -1 if st["host2"] == "none" else st["host2"]
        return view.reporting(h) and master_of(view.status(h)) == want_m
    if kind == "expect-master":
        m = st["host"] if st["host"] != "none" else -1
        if m >= 0 and not (view.reporting(m) and view.status(m).get("i_am_master")):
            return False
        for i in view.hosts:
            s = view.status(i)
            if s is None:
                continue
            if s.get("i_am_master") and i != m:
                return False
            if view.reporting(i) and master_of(s) != m:
                return False
        return True
    raise ValueError("not an expectation: " + kind)


class Contract:
    """The safety contract across rounds. confirm_s: how long after a removal
    is seen it is confirmed (0: at once, the view asks the removed host
    itself; hbxen waits a second for the console's lag). forget_silent: a
    host with no status to use starts afresh (else its last Online liveset is
    kept until it reports again). disarmed: the hosts the runner disarmed or
    shut down (exempt from removal-means-fenced)."""

    def __init__(self, confirm_s=0.0, forget_silent=False):
        self.confirm_s = confirm_s
        self.forget_silent = forget_silent
        self.last = {}      # host -> (incarnation, liveset) last seen Online
        self.pending = []   # (confirm at, observer, removed host, liveset before, after)
        self.disarmed = set()
        self.rounds = 0     # rounds checked
        self.removals = 0   # removals from an Online host's liveset checked
        self.exempt = 0     # of those, exempt: the removed host disarmed or not running

    def round(self, view, now=0.0):
        """The violations seen in this round (texts; the same one again in a
        later round is the runner's to drop)."""
        out = []
        self.rounds += 1
        holders = [i for i in view.hosts if view.status(i) is not None and view.status(i).get("i_am_master")]
        if len(holders) > 1:
            out.append("at-most-one-master: hosts %s all hold the lock" % holders)
        for g in view.hosts:
            s = view.status(g)
            if s is None:
                if self.forget_silent:
                    self.last.pop(g, None)
                continue
            if s.get("phase") != "online":
                self.last.pop(g, None)
                continue
            inc = view.incarnation(g)
            cur = sorted(s.get("liveset") or [])
            prev = self.last.get(g)
            self.last[g] = (inc, cur)
            if prev is None or prev[0] != inc:
                continue
            for k in prev[1]:
                if k not in cur and k != g:
                    self.pending.append((now + self.confirm_s, g, k, prev[1], cur))
        keep = []
        for item in self.pending:
            at, g, k, before, after = item
            if now < at:
                keep.append(item)
                continue
            self.removals += 1
            if k in self.disarmed or not view.alive(k):
                self.exempt += 1
                continue
            how = view.still_member(k)
            if how is not None:
                out.append("removal-means-fenced: host %d dropped host %d (liveset %s -> %s) while host %d "
                           "still runs %s" % (g, k, before, after, k, how))
        self.pending = keep
        return out


class Window:
    """The open expectations: add() them when their time comes, check() them
    every round. A window is [at, at + within] (times scale, in the runner's
    unit: unit per millisecond of the scenario); one with no `within` gets
    grace instead."""

    def __init__(self, scale=1.0, grace=0.0):
        self.scale = scale
        self.grace = grace
        self.open = []
        self.met = 0
        self.failed = 0

    def bounds(self, st):
        start = st["at_ms"] * self.scale
        d = st["within_ms"] * self.scale
        return start, start + (max(d, self.grace) if st["within_ms"] == 0 else d)

    def add(self, st):
        self.open.append(st)

    def check(self, view, now):
        """[(statement, met, start, end)] for the expectations settled now:
        met as soon as it holds, failed once its window has passed."""
        settled, still = [], []
        for st in self.open:
            start, end = self.bounds(st)
            if holds(view, st):
                self.met += 1
                settled.append((st, True, start, end))
            elif now > end:
                self.failed += 1
                settled.append((st, False, start, end))
            else:
                still.append(st)
        self.open = still
        return settled
