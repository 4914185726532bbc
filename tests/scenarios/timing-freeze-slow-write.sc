# timing-freeze-slow-write.sc: a two-host pool with short heartbeat and
# long statefile timeouts (t1 = 1 s, T1 = 3 s, t2 = 4 s, T2 = 30 s, W = 10 s:
# every check of the timing model passes). Host 0 freezes while one of its
# slow statefile writes (8.5 s, under the I/O deadline of 8.666 s) is in
# flight; the write lands after the freeze began, so host 1 sees host 0's
# slot advance and keeps it fresh for T2 after that, while its own view of
# the pair (it no longer hears host 0) disagrees with host 0's. The healthy
# host 1 must wait that out, never fence.
hosts 2
timeout 30
heartbeat-interval 1s
heartbeat-timeout 3s
statefile-interval 4s
statefile-timeout 30s
watchdog-timeout 10s

at 0s start all
expect 0s liveset 0,1 within 40s
at 50s storage-slow 0 8.500s
at 61s freeze 0 120s
expect 61s liveset 1 within 90s
expect 200s fenced 0
