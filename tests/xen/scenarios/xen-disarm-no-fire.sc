# xen-disarm-no-fire.sc
# One host, backend xen: `hbctl disarm` closes the Xen watchdog slot; then a
# SIGSTOP of the agent does not fire it within 2 W; dom0 keeps running.
hosts 1
backend xen
boot all
expect 0 online within 240s
cmd 0 disarm
expect 0 disarmed within 20s
cmd 0 stop-agent
expect 0 no-fire for 2W
expect 0 alive
