# crash-member.sc: a member that is not the master crashes. The survivors
# drop it within the failover bound, the master keeps the lock, nobody else
# fences.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
hosts 4
timeout 10
sector 4096   # hbpool: 4 KiB logical sectors

at 0s start all
expect 0s liveset 0,1,2,3 within 30s

at 30s propose-master 0
expect 30s master 0 within 15s            # propose-master wait + 1 s

at 60s crash 2
expect 60s down 2
expect 60s liveset 0,1,3 within 32s       # failover bound + 1 s
expect 92s master 0
expect 120s liveset 0,1,3
expect 120s down 2
expect 120s fenced none
