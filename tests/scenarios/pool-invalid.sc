# pool-invalid.sc: the toolstack disables HA: host 0's agent writes pool
# state Invalid into the global block (xapi's ha_set_pool_state invalid).
# Every agent reads it, disarms and stops; nobody fences.
#
# set-pool-state is not in the scenario language: `#@` lines are hbsim's.
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures and
# bounds (docs/timing.md). A bound B measured on host clocks is allowed
# B x (1 + 4e-4) + 1 s here.
# Forming the first liveset takes a few statefile cycles; 30 s is allowed
# (EnableJoinTimeout is 70 s).
# The global block is written within t2 + the I/O deadline and every host
# reads it within another such interval: all stopped within 10 s.
hosts 3
timeout 10
paths 2   # hbpool: two heartbeat paths

at 0s start all
expect 0s liveset 0,1,2 within 30s
at 30s set-pool-state 0 invalid
expect 30s down 0,1,2 within 10s
expect 45s fenced none
