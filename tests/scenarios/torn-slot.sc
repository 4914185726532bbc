# torn-slot.sc: a slot write lands torn (only its first 512-byte sector
# reaches the disk), so the slot fails its CRC until the next write. One bad
# slot must not blind anyone: no host loses access or a member, nobody
# fences. On host 1, then hosts 2 and 0 at once, then host 1 again.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
# The next write comes t2 = 2 s later, well within T2 = 10 s.
hosts 3
timeout 10
paths 2   # hbpool: two heartbeat paths

at 0s start all
expect 0s liveset 0,1,2 within 30s
at 30s storage-torn 1
at 40s storage-torn 2
at 40s storage-torn 0
at 50s storage-torn 1
expect 70s liveset 0,1,2
expect 70s down none
expect 70s fenced none
