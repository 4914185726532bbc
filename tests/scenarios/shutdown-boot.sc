# shutdown-boot.sc: a clean shutdown of host 3: it disarms, publishes itself
# excluded and stopped, and exits. The others drop it at once (no fence
# wait: it announced the stop). Nobody fences. It boots again and rejoins.
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
# The stop is seen by the next heartbeat (t1) or statefile read (t2 + the
# I/O deadline), then a tick; the agent exits once its last slot write is
# done (at most an I/O deadline): 11 s is allowed.
# Joining: its slot must be seen advancing and every member must
# acknowledge it: a few cycles; 30 s allowed (BootJoinTimeout 70 s).
hosts 4
timeout 10
paths 2   # hbpool: two heartbeat paths
sector 4096   # hbpool: 4 KiB logical sectors

at 0s start all
expect 0s liveset 0,1,2,3 within 30s

at 30s shutdown 3
expect 30s down 3 within 11s
expect 30s liveset 0,1,2 within 11s
at 60s boot 3
expect 60s liveset 0,1,2,3 within 30s
expect 95s down none
expect 95s fenced none
expect 150s liveset 0,1,2,3     # and quiet long enough for the agreement check
