# forged-fencing-slow-victim.sc: a forged FENCING slot for the master,
# whose statefile has turned slow, seen by a host that cannot hear it.
# Host 1 is isolated; host 2's I/O takes 15 s (past its deadline), and
# meanwhile someone writes records claiming host 2 is fencing. When the
# storage heals, host 2's slow read completes, shows the foreign record,
# and host 2 fences then; its first FENCING heartbeat reaches host 1 at
# once (the network healed too). Host 1 must count host 2's flag bound from
# that heartbeat, not from the forged slot it read 13 s earlier: it keeps
# host 2 until host 2 is gone. (Found by hbsim --random, seed 118122.)
# (Timing: hbctl timeouts -T 20.)
# hbpool-skip: in a real pool host 2's own write, held 15 s by the slow disk, lands after the forged record and overwrites it, so host 2 never reads the forgery back (nobody drops it either); only hbsim's event order keeps the forgery on the disk
hosts 6
timeout 20

at 0s loss 0.6553%
at 0s start all
expect 0s liveset 0,1,2,3,4,5 within 30s
at 12.808s propose-master 2
at 18.828s isolate 1
at 21.674s storage-slow 2 15.384s
at 23.778s forge-slot 2 fencing
at 24.278s forge-slot 2 fencing
at 24.778s forge-slot 2 fencing
at 25.278s forge-slot 2 fencing
at 36.359s heal
at 36.359s storage-heal all
expect 36.359s fenced 2 within 5s
expect 36.359s liveset 0,1,3,4,5 within 60s
