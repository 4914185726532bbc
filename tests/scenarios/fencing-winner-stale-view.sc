# fencing-winner-stale-view.sc: a 4|3 split heals; host 1 (of the smaller
# side) then fences on a forged slot, and its last view, written just
# after the heal, does not list host 2 yet. A fencing host keeps its place
# as a vertex but weighs nothing: its stale view must not decide the tie
# between the cliques it leaves behind, so host 2 does not fence.
# (Found by hbsim --random, seed 30343.)
hosts 7
timeout 60
paths 1
heartbeat-interval 2.800s
heartbeat-timeout 23.500s
statefile-interval 4.300s
statefile-timeout 59.100s
watchdog-timeout 4s
at 0s start all
at 17.640s propose-master 4
at 22.972s partition 0,2,5,6 | 1,3,4
at 29.261s cut 0 -> 6
at 57.622s forge-slot 1 fencing
at 58.342s heal
#@ seed 30343
#@ at 82.619s end
