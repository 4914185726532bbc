# crash-master.sc: the master crashes. The survivors drop it within the
# failover bound; nobody holds the lock until a survivor proposes, and then
# exactly that one does.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
hosts 4
timeout 10

at 0s start all
expect 0s liveset 0,1,2,3 within 30s
at 30s propose-master 1
expect 30s master 1 within 15s            # propose-master wait + 1 s

at 60s crash 1
expect 60s liveset 0,2,3 within 32s       # failover bound + 1 s
expect 92s master none                    # the holder left the liveset

at 95s propose-master 3
expect 95s master 3 within 15s
expect 130s liveset 0,2,3
expect 130s down 1
expect 130s fenced none
