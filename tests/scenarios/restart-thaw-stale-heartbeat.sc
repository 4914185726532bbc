# restart-thaw-stale-heartbeat.sc: both hosts of a 2-host pool crash and
# reboot; host 1 freezes just after it booted, while both are still
# starting, and host 0's next heartbeat (a view of host 0 starting, that
# echoes host 1's last send) waits in host 1's queue. The switch then cuts
# them apart. Host 0, alone, forms liveset {0}, as host 1's own slot
# proposes after the thaw. Host 1 took the queued heartbeat at its thaw, so
# it stays fresh for T1 from then, yet its view is older than host 0's slot
# record, which shows host 0 Online: host 1 must see host 0 Online and try
# to join (and give up, exit 13), not take host 0 for a starting candidate
# and form liveset {1} beside it (split brain: removal-means-fenced).
# (Found by hbsim --random --hosts-max 2, seed 5013780.)
hosts 2
timeout 32
paths 2
heartbeat-interval 3s
heartbeat-timeout 30.500s
statefile-interval 300ms
statefile-timeout 31.400s
watchdog-timeout 9s
#@ seed 1

at 0s start all
expect 0s liveset 0,1 within 30s
at 16s crash 0
at 16s crash 1
at 24s boot 0
at 27s boot 1
at 27.500s freeze 1 24s
at 31s partition 0 | 1
expect 60s liveset 0 within 20s
expect 120s down 1
expect 120s liveset 0
at 123s heal
expect 130s liveset 0
#@ expect 130s fenced none
