# forged-fencing-storage-failed.sc: host 0's statefile fails, it is
# isolated, and 5 s later someone writes records claiming it is fencing.
# Its writes had stopped before the claim (a gap longer than two statefile
# intervals), so it may be blind to the forgery: host 1 does not believe
# the flag and waits for silence (a removal wait), by which time host 0 has
# lost its access and fenced. (Found by hbsim --random, seed 44293.)
hosts 2
timeout 25
paths 1
heartbeat-interval 1.200s
heartbeat-timeout 20.300s
statefile-interval 400ms
statefile-timeout 25s
watchdog-timeout 2s
at 0s loss 0.9523%
at 0s start all
at 3.991s propose-master 0
at 5.494s storage-fail 0
at 5.576s isolate 0
at 10.816s forge-slot 0 fencing
at 11.316s forge-slot 0 fencing
at 11.816s forge-slot 0 fencing
#@ seed 44293
#@ at 30.693s end
