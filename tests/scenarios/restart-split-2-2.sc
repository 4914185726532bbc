# restart-split-2-2.sc: power comes back after an outage of the whole pool
# while a switch is still down: the four hosts of an Active pool start
# under `partition 0,1 | 2,3`. Both halves see every slot advancing on the
# statefile; only the best partition of what the statefile shows ({0,1}:
# equal weight and size, lowest indices) may form. Hosts 2 and 3 wait, and
# give up with exit 13 (CAN_NOT_JOIN_EXISTING_LIVESET) after
# BootJoinTimeout, as xhad does. Nobody fences; one master.
# (Timing: hbctl timeouts -T 10; BootJoinTimeout is T + 60 = 70 s.)
hosts 4
timeout 10

at 0s start all
expect 0s liveset 0,1,2,3 within 30s
at 35s propose-master 3
expect 35s master 3 within 20s

at 60s crash 0
at 60s crash 1
at 60s crash 2
at 60s crash 3
at 61s partition 0,1 | 2,3
at 65s boot 0
at 65s boot 1
at 65s boot 2
at 65s boot 3
expect 65s liveset 0,1 within 60s
at 110s propose-master 2        # still starting: refused
at 115s propose-master 0
expect 115s master 0 within 20s
expect 140s down 2,3 within 10s  # gave up, exit 13, nothing armed
expect 150s liveset 0,1
expect 150s fenced none
