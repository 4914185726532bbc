# replay-restart.sc: a device on the network records host 2's heartbeats to
# host 0 and plays them back 100 s later. Host 2 crashes, then host 0
# crashes and boots again (a new incarnation, with no memory of sequence
# numbers) while the recording plays. The recorded heartbeats echo send
# times of host 0's earlier incarnation, so they prove nothing: host 0 joins
# {1} instead of waiting for a host that died long ago.
# (Timing: hbctl timeouts -T 10; BootJoinTimeout 70 s.)
hosts 3
timeout 10

at 0s start all
expect 0s liveset 0,1,2 within 30s
at 10s replay 100s 2 -> 0
at 95s crash 2
at 96s crash 0
expect 96s liveset 1 within 32s
at 130s boot 0
expect 130s liveset 0,1 within 25s
expect 200s liveset 0,1
expect 200s fenced none
