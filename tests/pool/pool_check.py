"""pool_check.py: what hbpool observes each round, as tests/lib/expect.py
(the expectation rules and the safety contract, shared with hbxen) reads it.

A host reports while its published status says Online; a host that does not
answer has no status; down = not running; fenced = fenced since the start.
A removal is confirmed at once by asking the removed host itself after the
liveset was read, so a host that fenced in between is no violation."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import expect  # noqa: E402,F401  (tests/lib: the rules; hbpool uses them through this module)


class View:
    """One round of observations: status per host (None: not reporting)."""

    def __init__(self, hosts, fenced):
        self.pool_hosts = hosts
        self.hosts = [h.i for h in hosts]
        self.fenced = sorted(fenced)
        self._status = {}
        for h in hosts:
            self._status[h.i] = h.status()

    def status(self, i):
        return self._status.get(i)

    def reporting(self, i):
        s = self._status.get(i)
        return s is not None and s.get("phase") == "online"

    def down_set(self):
        return sorted(h.i for h in self.pool_hosts if not h.alive())

    def fenced_set(self):
        return self.fenced

    def alive(self, i):
        return self.pool_hosts[i].alive()

    def incarnation(self, i):
        return self._status[i]["agent"]["boot_id"]

    def still_member(self, i):
        h = self.pool_hosts[i]
        again = h.status()
        if again is not None and again.get("phase") == "online" and i in again["liveset"] \
                and again.get("armed") and h.alive():
            return "Online in liveset %s" % again["liveset"]
        return None

    def describe(self):
        parts = []
        for h in self.pool_hosts:
            s = self._status.get(h.i)
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
