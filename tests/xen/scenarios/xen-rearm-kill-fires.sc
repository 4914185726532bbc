# xen-rearm-kill-fires.sc
# One host, backend xen: disarm, arm again (a new Xen slot), then SIGKILL of
# the agent: the slot is a hypervisor timer of dom0 and outlives the process,
# so Xen fires within W (+ 5 s).
hosts 1
backend xen
boot all
expect 0 online within 240s
cmd 0 disarm
expect 0 disarmed within 20s
cmd 0 arm
expect 0 online within 20s
cmd 0 kill-agent
expect 0 fired within W+5s
expect 0 reset within 20s
