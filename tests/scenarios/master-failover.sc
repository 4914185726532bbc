# master-failover.sc: the master crashes; as xapi does, two survivors
# propose themselves at the same moment once the failover is done. The lock
# goes to exactly one of them, the lower index. The old master boots, rejoins
# as an ordinary member, and the new master keeps the lock.
#
# Timing: T = 20; `hbctl timeouts -T 20` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
hosts 5
timeout 20

at 0s start all
expect 0s liveset 0,1,2,3,4 within 40s
at 40s propose-master 0
expect 40s master 0 within 26s            # propose-master wait + 1 s

at 90s crash 0
expect 90s liveset 1,2,3,4 within 47s     # failover bound + 1 s
expect 137s master none

at 138s propose-master 3
at 138s propose-master 2
expect 138s master 2 within 26s           # lower index wins the race

at 180s boot 0
expect 180s liveset 0,1,2,3,4 within 60s  # join: old incarnation already removed
expect 245s master 2
expect 245s down none
expect 245s fenced none
