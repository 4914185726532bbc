# xen-sigstop-fires.sc
# One host, backend xen: the agent arms Xen's watchdog and goes Online;
# SIGSTOP of the agent makes Xen fire the watchdog of domain 0 within W
# (+ 5 s of slack for the emulation and the console).
hosts 1
backend xen
boot all
expect 0 online within 240s
expect 0 xenstore /local/domain/0/hbagent/phase = online within 20s
expect 0 xenstore /local/domain/0/hbagent/armed = 1 within 20s
cmd 0 stop-agent
expect 0 fired within W+5s
expect 0 reset within 20s
