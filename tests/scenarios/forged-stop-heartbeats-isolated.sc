# forged-stop-heartbeats-isolated.sc: host 3 is isolated, its statefile
# slow, and two forged Stopped heartbeats of its incarnation reach the
# others. Its slot still says Online. A stop seen on heartbeats alone is
# believed only when the slot cannot speak (the statefile lost, or no read
# of the observer completed in the cycle after the first Stopped
# heartbeat): nobody drops host 3 while it runs. (Found by hbsim --random,
# seed 12214; the saved run, at absolute times.)
hosts 5
timeout 32
paths 1
heartbeat-interval 1.300s
heartbeat-timeout 31.800s
statefile-interval 3.400s
statefile-timeout 20.200s
watchdog-timeout 4s
at 0s start all
at 11.078s propose-master 3
at 19.935s heal
at 28.611s isolate 3
at 38.353s storage-slow 3 5.271s
at 38.556s forge-heartbeat 3 stopped
at 39.275s storage-slow 3 19.606s
at 40.835s forge-heartbeat 3 stopped -> 1
#@ seed 12214
#@ at 41.849s end
