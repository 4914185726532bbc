# sf-slow-all.sc: statefile I/O gets slow for every host. At 3 s per I/O
# (within the 6 s I/O deadline) nothing happens; at 15 s per I/O every host
# loses statefile access: rule 2, network whole, nobody fences.
#
# Timing: T = 20; `hbctl timeouts -T 20` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
hosts 4
timeout 20
sector 4096   # hbpool: 4 KiB logical sectors

at 0s start all
expect 0s liveset 0,1,2,3 within 40s

at 40s storage-slow all 3s
expect 90s liveset 0,1,2,3
at 90s storage-slow all 15s
expect 150s liveset 0,1,2,3
expect 150s down none
at 150s storage-heal all
expect 190s liveset 0,1,2,3
expect 190s fenced none
