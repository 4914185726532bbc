# slow-clock-short-deadline.sc: a healthy 8-host pool, left alone for 25
# minutes, with a statefile I/O deadline of 200 ms (t2 = 300 ms, T2 = 900
# ms; `hbctl timeouts` warns about a deadline that short). Nobody fences.
# With this seed host 2's clock runs 196 ppm slow: after 1000 s it lags
# true time by 200 ms, a whole I/O deadline. The simulator once took a slow
# clock's deadline as reached when it was not (it ignored the drift when
# converting the host's time to global time), so every write of host 2 went
# overdue the moment it was submitted, and the host fenced at 1021 s.
# hbpool-skip: it tests hbsim's model of a drifting clock (real pools have real clocks), over 25 minutes
#@ seed 4
hosts 8
timeout 30
heartbeat-interval 1s
heartbeat-timeout 20s
statefile-interval 300ms
statefile-timeout 900ms
watchdog-timeout 5s

at 0s start all
expect 0s liveset 0,1,2,3,4,5,6,7 within 40s
expect 1500s liveset 0,1,2,3,4,5,6,7
expect 1500s fenced none
