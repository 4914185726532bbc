# forged-huge-sequence.sc: one heartbeat, signed with the pool key, carries
# host 1's current view under a sequence near 2^62, then one carries it
# under the next boot id. Neither may blind host 0 to the real host 1 (whose
# sequences are far lower and whose boot id is the real one): the real
# host's next heartbeat echoes a later send of host 0 and is taken. Nobody
# fences over them, the liveset stays whole. Then host 2's slot is written
# by someone else, with a huge sequence, again and again: host 2 sees it in
# its own slot and fences.
# (Timing: hbctl timeouts -T 10.)
hosts 3
timeout 10

at 0s start all
expect 0s liveset 0,1,2 within 30s
at 40s forge-heartbeat 1 huge-sequence -> 0
at 70s forge-heartbeat 1 next-boot -> 0
expect 100s liveset 0,1,2
expect 100s fenced none
at 100s forge-slot 2 huge-sequence
at 100.700s forge-slot 2 huge-sequence
at 101.400s forge-slot 2 huge-sequence
at 102.100s forge-slot 2 huge-sequence
expect 102.100s fenced 2 within 10s
expect 102.100s liveset 0,1 within 40s
