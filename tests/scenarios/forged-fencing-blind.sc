# forged-fencing-blind.sc: a forged FENCING slot for a host that nobody who
# reads it can hear, and that cannot read it back. Hosts 2 and 3 are cut
# off from 0 and 1 (they lose: two against two, lowest indices win); host
# 3's statefile fails first, so it cannot judge rule 1 and lives on its
# statefile access for T2 after its last good I/O. Then someone writes a
# record claiming that host 3 is fencing. Its writes had stopped before the
# claim, so the claim may be a forgery it cannot see: hosts 0 and 1 do not
# believe the flag, and drop host 3 only a removal wait after its last sign
# of life, once its access has lapsed and it has fenced.
# (Timing: T1 16.5 s, T2 38.1 s, W 2 s, the first found by hbsim --random,
# seed 117164.)
hosts 4
timeout 39
heartbeat-interval 1s
heartbeat-timeout 16.500s
statefile-interval 1.300s
statefile-timeout 38.100s
watchdog-timeout 2s

at 0s start all
expect 0s liveset 0,1,2,3 within 30s
at 30s partition 0,1 | 2,3
at 36s storage-fail 3
at 55s forge-slot 3 fencing
at 55.500s forge-slot 3 fencing
expect 56s fenced 2,3 within 60s
expect 56s liveset 0,1 within 80s
