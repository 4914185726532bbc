# flapping-link.sc: the link between hosts 0 and 2 goes down for 6 s and up
# for 2 s, eight times over. A silence never reaches T1 (6 s down + one
# heartbeat interval t1 = 2 s < T1 = 10 s), so nobody may notice: the
# liveset stays whole and nobody fences.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
hosts 3
timeout 10

at 0s start all
expect 0s liveset 0,1,2 within 30s

at 30s cut 0 -> 2
at 30s cut 2 -> 0
at 36s heal
at 38s cut 0 -> 2
at 38s cut 2 -> 0
at 44s heal
at 46s cut 0 -> 2
at 46s cut 2 -> 0
at 52s heal
at 54s cut 0 -> 2
at 54s cut 2 -> 0
at 60s heal
at 62s cut 0 -> 2
at 62s cut 2 -> 0
at 68s heal
at 70s cut 0 -> 2
at 70s cut 2 -> 0
at 76s heal
at 78s cut 0 -> 2
at 78s cut 2 -> 0
at 84s heal
at 86s cut 0 -> 2
at 86s cut 2 -> 0
at 92s heal
expect 92s liveset 0,1,2
expect 92s down none
expect 130s liveset 0,1,2
expect 130s fenced none
