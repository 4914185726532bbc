# sf-hang-all.sc: statefile I/O hangs for every host. Every host declares
# its I/O overdue after the deadline and loses statefile access: rule 2, with
# the network whole nobody fences. When storage comes back the hung I/O
# completes late, is discarded, and rule 1 resumes.
#
# Timing: T = 20; `hbctl timeouts -T 20` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
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
