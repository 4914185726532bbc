# suspend-rejoin.sc: host 0 is suspended for 17.6 s; meanwhile host 1 stops
# cleanly, the others drop it, and it boots again and asks to join. Host 0
# resumes with its old liveset, which still lists index 1: the previous
# incarnation. That is not an acknowledgement of the new one: host 1 joins
# only once host 0 has dropped the old incarnation and acknowledged the
# new. Counting the old listing as an ack made host 1 go Online, then take
# host 0's removal of the old incarnation for its own and fence.
# (Found by hbsim --random, seed 104233, with W 5 s. T1 27.5 s is longer
# than the suspend, so host 0 still counts as heard when it resumes; W 20 s
# so that it does not fence on resuming: a host that did not run for longer
# than its watchdog timeout fences then.)
hosts 4
timeout 28
heartbeat-interval 1.500s
heartbeat-timeout 27.500s
statefile-interval 1.400s
statefile-timeout 4.700s
watchdog-timeout 20s

at 0s start all
expect 0s liveset 0,1,2,3 within 30s
at 9.423s suspend 0 17.613s
at 11.515s shutdown 1
at 18.261s boot 1
expect 18.261s liveset 0,1,2,3 within 100s
expect 120s fenced none
