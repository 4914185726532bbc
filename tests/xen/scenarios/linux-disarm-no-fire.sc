# linux-disarm-no-fire.sc
# One host, backend linux (xen_wdt): disarm, then SIGSTOP does not fire.
hosts 1
backend linux
boot all
expect 0 online within 240s
cmd 0 disarm
expect 0 disarmed within 20s
cmd 0 stop-agent
expect 0 no-fire for 2W
expect 0 alive
