# restart-blind-storage.sc: a 2-host pool restarts while the network is
# split, and host 1's statefile hangs from before its boot. Host 0 sees no
# other candidate on the statefile and, after half of BootJoinTimeout, forms
# a liveset of its own. Host 1's storage comes back much later: its first
# read shows host 0's slot Online, but a first read is only a baseline
# (host 0 does not look alive yet). Host 1 must not form a liveset of its
# own on that: it waits until it has read an Online slot unchanged for T2
# and a cycle; host 0's advances show meanwhile, and host 1, unable to
# reach host 0, gives up (exit 13) instead of splitting the pool.
# Host 0's own slow I/O and a freeze set the timing: host 0 forms just
# before host 1's reads resume. Host 0 too waits until it has read host 1's
# old Online slot unchanged for T2 and a cycle before it forms.
# (Found by hbsim --random, seed 200226.)
hosts 2
timeout 56
heartbeat-interval 1s
heartbeat-timeout 15s
statefile-interval 2.100s
statefile-timeout 56s
watchdog-timeout 6s

at 0s set-weight 0 3
at 0s start all
expect 0s liveset 0,1 within 30s
at 43.334s storage-hang 1
at 47.422s crash 0
at 47.422s crash 1
at 47.922s partition 0 | 1
at 55.277s boot 1
at 57.654s boot 0
at 89.806s storage-slow 0 16.964s
at 90.806s freeze 0 11.963s
at 128.040s storage-heal 1
expect 128.040s down 1 within 120s
expect 250s liveset 0
