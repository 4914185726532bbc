# restart-agent-3.sc: the agent of a host is killed (SIGKILL) and started
# again at once while the host stays up (hbpool: its namespace and its test
# watchdog helper keep running). Host 2 is armed: the kill does not disarm
# the watchdog, the new agent waits on the unclean-restart guard (the fence
# bound) before it arms, and the watchdog fires first (W after the last
# pet): host 2 is fenced (a reset: down) and the others drop it. Host 1 is
# disarmed first: its new agent starts at once, the others drop the old
# incarnation and admit the new one; nobody else fences. Also in
# run_scenarios.sh (hbsim and hbpool must agree).
# (Timing: hbctl timeouts -T 10 prints W and the failover bound.)
hosts 3
timeout 10
at 0s start all
expect 0s liveset 0,1,2 within 30s
at 30s restart-agent 2
expect 30s fenced 2 within 8s          # W + slack + the restart
expect 30s down 2 within 8s
expect 30s liveset 0,1 within 32s      # failover bound + 1 s
at 70s disarm 1
at 75s restart-agent 1
expect 76s liveset 0 within 30s        # the old incarnation is dropped
expect 110s liveset 0,1 within 20s     # the new one joined
expect 120s fenced 2
expect 120s down 2
