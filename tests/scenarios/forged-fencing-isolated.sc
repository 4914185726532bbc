# forged-fencing-isolated.sc: host 2 is cut from the network at 30 s, its
# statefile still working. At 41 s, after the others stopped hearing it but
# before it decides that it lost (T1 + settle), a forged record in its slot
# claims that it is fencing. The claim comes on schedule and nobody hears
# host 2, so only the slot-alone waits protect it: its heartbeats silent for
# T1 + P + W + slack, and the fencing-flag wait after the claim was read, in
# which host 2 reads the forgery back and fences (slot_overwritten). A core
# that believes the claim at once removes a host that still runs
# (removal-means-fenced): broken on purpose that way, hbsim reports it at
# about 42 s, which neither the random runs nor the other forged-fencing
# scenarios reached. (Written while shortening the cable pull, issue 16.)
#
# Timing: T = 10; `hbctl timeouts -T 10` prints the derived figures.
hosts 3
timeout 10
sector 4096   # hbpool: 4 KiB logical sectors

at 0s start all
expect 0s liveset 0,1,2 within 30s

at 30s isolate 2
at 41s forge-slot 2 fencing
expect 41s down 2 within 10s
expect 41s liveset 0,1 within 60s
expect 120s liveset 0,1
expect 120s fenced 2
