"""pool_check.py: what hbpool checks, from the hosts' published status.

Expectations (the scenario's `expect TIME ... [within D]`) have hbsim's
meaning (tests/sim/sim_expect.c): each is met when it holds at some instant
of [TIME, TIME + D]:
  liveset L   every running, unfrozen, Online host publishes exactly L
  master H    H reports holding the lock, no other running host does, and
              every reporting host names H (none: nobody holds or names one)
  down L      exactly the hosts in L are not running
  fenced L    exactly the hosts in L have fenced since the start
  reported-master H J   H runs, is Online and reports master J (none: no
              master); nothing is asked of the other hosts

The safety contract is checked continuously (docs/design.md):
  - at most one running host holds the master lock;
  - a host missing from the liveset of an Online host is not running as an
    Online member: confirmed by asking the missing host itself after the
    liveset was read, so a host that fenced in between is no violation."""


class View:
    """One round of observations: status per host (None: not reporting)."""

    def __init__(self, hosts):
        self.hosts = hosts
        self.status = {}
        for h in hosts:
            self.status[h.i] = h.status()

    def reporting(self, i):
        s = self.status.get(i)
        return s is not None and s.get("phase") == "online"

    def down_set(self):
        return sorted(h.i for h in self.hosts if not h.alive())

    def describe(self):
        parts = []
        for h in self.hosts:
            s = self.status.get(h.i)
            if not h.alive():
                parts.append("%d:down" % h.i)
            elif h.frozen_until is not None:
                parts.append("%d:frozen" % h.i)
            elif s is None:
                parts.append("%d:silent" % h.i)
            else:
                parts.append("%d:%s{%s}m%s%s" % (h.i, s["phase"], ",".join(map(str, s["liveset"])),
                                                 s["master"] if s["master"] is not None else "-",
                                                 "*" if s.get("i_am_master") else ""))
        return " ".join(parts)


def holds(view, st, fenced_set):
    kind = st["kind"]
    want = st["hosts"]
    if kind == "expect-fenced":
        return sorted(fenced_set) == want
    if kind == "expect-down":
        return view.down_set() == want
    if kind == "expect-liveset":
        any_reporting = False
        for h in view.hosts:
            if not view.reporting(h.i):
                continue
            any_reporting = True
            if view.status[h.i]["liveset"] != want:
                return False
        return any_reporting or want == []
    if kind == "expect-reported-master":
        h, want_m = st["host"], st["host2"]
        want_m = -1 if want_m == "none" else want_m
        if not view.reporting(h):
            return False
        m = view.status[h]["master"]
        return (m if m is not None else -1) == want_m
    if kind == "expect-master":
        m = st["host"] if st["host"] != "none" else -1
        if m >= 0 and not (view.reporting(m) and view.status[m].get("i_am_master")):
            return False
        for h in view.hosts:
            s = view.status.get(h.i)
            if s is None:
                continue
            if s.get("i_am_master") and h.i != m:
                return False
            if view.reporting(h.i) and (s["master"] if s["master"] is not None else -1) != m:
                return False
        return True
    raise ValueError("not an expectation: " + kind)


class Monitor:
    """The safety contract across rounds (hbsim's checks (a) and (b)):
    (a) removal means fenced: when an Online host's liveset loses host h,
        h is not running as an Online member any more, unless it was
        disarmed (asked for the moment the loss is seen, after the liveset
        was read, so a host that fenced in between is no violation);
    (b) at most one running host holds the master lock."""

    def __init__(self):
        self.last = {}      # host -> (boot_id, liveset) last seen Online
        self.disarmed = set()
        self.rounds = 0     # rounds checked
        self.removals = 0   # removals from an Online host's liveset checked by (a)
        self.exempt = 0     # of those, exempt: the removed host disarmed or not running

    def round(self, view):
        out = []
        self.rounds += 1
        holders = [i for i, s in view.status.items() if s is not None and s.get("i_am_master")]
        if len(holders) > 1:
            out.append("at-most-one-master: hosts %s all hold the lock" % holders)
        for g, s in view.status.items():
            if s is None:
                continue
            boot = s["agent"]["boot_id"]
            prev = self.last.get(g)
            if s.get("phase") != "online":
                self.last.pop(g, None)
                continue
            self.last[g] = (boot, s["liveset"])
            if prev is None or prev[0] != boot:
                continue
            for k in prev[1]:
                if k in s["liveset"] or k == g:
                    continue
                self.removals += 1
                if k in self.disarmed:
                    self.exempt += 1
                    continue
                h = view.hosts[k]
                if not h.alive():
                    self.exempt += 1
                    continue
                again = h.status()
                if again is not None and again.get("phase") == "online" and k in again["liveset"] \
                        and again.get("armed") and h.alive():
                    out.append("removal-means-fenced: host %d dropped host %d (liveset %s -> %s) while host %d "
                               "still runs Online in liveset %s" % (g, k, prev[1], s["liveset"], k, again["liveset"]))
        return out
