# freeze-long.sc: the agent of host 2 is frozen for 7 s, then host 3's for
# 20 s, both longer than the watchdog timeout W = 5 s: nothing pets the
# watchdog, so each host is fenced by it (within the hung-agent bound P + W +
# slack = 7 s), and the others drop it as after a crash.
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

at 30s freeze 2 7s
expect 30s down 2 within 8s
expect 30s liveset 0,1,3 within 32s       # failover bound + 1 s
at 70s freeze 3 20s
expect 70s down 2,3 within 8s
expect 70s liveset 0,1 within 32s
expect 105s fenced 2,3
