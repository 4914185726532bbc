# forged-stopped-heartbeat.sc: one heartbeat, signed with the pool key,
# claims that host 2 stopped cleanly. Host 2's own heartbeats and slot keep
# saying Online, so the claim is never believed: nobody drops host 2, and
# nobody fences.
# (Timing: hbctl timeouts -T 10.)
hosts 3
timeout 10

at 0s start all
expect 0s liveset 0,1,2 within 30s
at 30s propose-master 2
expect 30s master 2 within 20s
at 60s forge-heartbeat 2 stopped
at 61s forge-heartbeat 2 fencing -> 0
expect 90s liveset 0,1,2
expect 90s master 2
expect 90s fenced none
