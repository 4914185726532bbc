# forged-stop-both-channels.sc: two forgeries at once for host 1's current
# incarnation: a CRC-valid STOPPED slot, and a STOPPED heartbeat signed
# with the pool key, sent to host 0. Both channels then say host 1 stopped;
# host 0 must still not drop it at once: a clean stop is believed a stop
# confirmation wait (1.5 t1) after the first Stopped heartbeat, and host
# 1's next Online heartbeat, within t1, contradicts the claim. Host 1 then
# reads the foreign record back in its own slot and fences; only then is
# it dropped (and host 2, whose statefile hangs, fences too). (Found by hbsim --random, seed 205566.)
hosts 4
timeout 47
heartbeat-interval 2.500s
heartbeat-timeout 35.300s
statefile-interval 2.500s
statefile-timeout 46.600s
watchdog-timeout 2s

at 0s start all
expect 0s liveset 0,1,2,3 within 30s
at 13.126s propose-master 3
at 14.520s forge-slot 1 stopped
at 14.741s storage-hang 2
at 14.852s forge-heartbeat 1 stopped -> 0
expect 14.852s fenced 1 within 20s
expect 14.852s liveset 0,3 within 120s
