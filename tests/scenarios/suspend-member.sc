# suspend-member.sc: host 1 is suspended (the whole host sleeps; its
# watchdog timer stops too) for 60 s, long past its fence bound; the others
# drop it meanwhile. Its decision clock counts the suspend, so at resume
# every input it holds is stale: it fences at once instead of running as a
# member of a liveset that dropped it. A short suspend is harmless.
# (Timing: hbctl timeouts -T 10.)
hosts 3
timeout 10

at 0s start all
expect 0s liveset 0,1,2 within 30s
at 30s propose-master 1
expect 30s master 1 within 20s
at 60s suspend 2 1s
at 70s suspend 1 60s
expect 70s liveset 0,2 within 35s
expect 131s fenced 1 within 5s
at 140s propose-master 0
expect 140s master 0 within 20s
