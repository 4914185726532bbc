# linux-sigstop-fires.sc
# One host, backend linux: /dev/watchdog is xen_wdt, itself the Xen watchdog
# of dom0; SIGSTOP of the agent makes Xen fire within W (+ 5 s).
hosts 1
backend linux
boot all
expect 0 online within 240s
cmd 0 stop-agent
expect 0 fired within W+5s
expect 0 reset within 20s
