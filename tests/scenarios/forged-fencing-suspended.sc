# forged-fencing-suspended.sc: host 1 is suspended for 25 s, and meanwhile
# someone writes records claiming it is fencing. Its heartbeats have
# stopped for longer than T1 + P + W + slack and the claim came right after
# its last write, so the others believe the flag and drop it. But its T2
# is longer than the suspend: when it resumes, its last confirmed
# write still looks fresh, and it would carry on as a member until its next
# read shows the foreign record. A host that did not run for longer than
# its watchdog timeout fences as soon as it runs again, whatever its inputs
# say. (Found by hbsim --random, seed 202959.)
hosts 5
timeout 34
heartbeat-interval 700ms
heartbeat-timeout 9.700s
statefile-interval 1.700s
statefile-timeout 33.900s
watchdog-timeout 2s

at 0s start all
expect 0s liveset 0,1,2,3,4 within 30s
at 17.407s suspend 1 24.909s
at 18.574s forge-slot 1 fencing
at 19.074s forge-slot 1 fencing
expect 19.074s liveset 0,2,3,4 within 30s
expect 42.316s fenced 1 within 1s
