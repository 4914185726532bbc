# restart-isolated-3.sc: three hosts of an Active pool restart while host 2
# is cut from the others. The statefile shows all three; the best
# partition is {0,1}. Host 2 waits, gives up with exit 13, and once the
# network is back, a new start joins.
# (Timing: hbctl timeouts -T 20; BootJoinTimeout 80 s.)
hosts 3
timeout 20

at 0s start all
expect 0s liveset 0,1,2 within 40s
at 50s crash 0
at 50s crash 1
at 50s crash 2
at 51s isolate 2
at 55s boot 0
at 55s boot 1
at 55s boot 2
expect 55s liveset 0,1 within 70s
expect 135s down 2 within 15s
at 150s heal
at 155s boot 2
expect 155s liveset 0,1,2 within 45s
expect 210s fenced none
