# forged-stop-next-sequence.sc: a STOPPED heartbeat for host 0's current
# incarnation, signed with the pool key, copies host 0's last heartbeat
# under the next sequence number, and a CRC-valid STOPPED slot follows.
# Host 0's own next heartbeat echoes the same send of host 1 as the
# forgery (host 1 sent nothing in between that host 0 heard), so it has
# the forgery's key (echo, boot, sequence) and host 1 dropped it as a copy:
# nothing contradicted the claim, and host 1 believed the stop (both
# channels, the stop confirmation wait run out) and removed host 0 while
# it ran, 9 ms before host 0 read the foreign record back and fenced. A
# proven Online heartbeat of the member incarnation at or after the
# sequence of the first Stopped one contradicts the claim however the key
# order ranks it: host 0 reads its slot back and fences, and only then is
# it dropped. (Found by hbsim --random --hosts-max 8, seed 313520.)
hosts 4
timeout 36
paths 2
heartbeat-interval 2.200s
heartbeat-timeout 27.300s
statefile-interval 4.400s
statefile-timeout 35.600s
watchdog-timeout 2s
#@ seed 313520

at 0s start all
expect 0s liveset 0,1,2,3 within 30s
at 19.048s propose-master 2
at 31.031s propose-master 0
at 40.047s forge-heartbeat 0 stopped
at 40.777s forge-slot 0 stopped
expect 40.777s fenced 0 within 10s
expect 40.777s liveset 1,2,3 within 60s
