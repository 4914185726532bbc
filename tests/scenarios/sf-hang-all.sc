# sf-hang-all.sc: statefile I/O hangs for every host. Every host declares
# its I/O overdue after the deadline and loses statefile access: rule 2, with
# the network whole nobody fences. When storage comes back the hung I/O
# completes late, is discarded, and rule 1 resumes.
#
# Timing for T = 20 (`hbctl timeouts -T 20`, docs/timing.md): t1 = 3 s,
# t2 = 2 s, T1 = T2 = 20 s, W = 5 s, tick 1 s, I/O deadline 6 s, settle 8 s,
# removal wait 28.012 s, propose-master wait 24 s, failover bound (crash)
# 45.012 s, isolation bound 88.012 s, hung statefile with the network whole
# T2 + loss grace 7 s + P 2 s = 29 s, BootJoinTimeout 80 s.
# A bound B measured on host clocks is allowed B x (1 + 4e-4) + 1 s here.
# 70 s of hung storage, three and a half times T2.
hosts 4
timeout 20

at 0s start all
expect 0s liveset 0,1,2,3 within 40s

at 40s storage-hang all
expect 80s liveset 0,1,2,3
expect 110s liveset 0,1,2,3
expect 110s down none
at 110s storage-heal all
expect 150s liveset 0,1,2,3
expect 150s down none
expect 150s fenced none
