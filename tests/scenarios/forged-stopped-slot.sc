# forged-stopped-slot.sc: something other than host 2 (a stray tool, a
# cloned host, a bug) keeps writing a CRC-valid slot that claims host 2's
# current incarnation stopped cleanly, while host 2 runs, armed, as master.
# Peers must not drop it on those records: its heartbeats still say Online.
# Host 2 reads its own slot back, sees someone else wrote it, and fences;
# only then do the others drop it.
# (Timing: hbctl timeouts -T 10.)
hosts 3
timeout 10

at 0s start all
expect 0s liveset 0,1,2 within 30s
at 30s propose-master 2
expect 30s master 2 within 20s
at 60s forge-slot 2 stopped
at 60.500s forge-slot 2 stopped
at 61s forge-slot 2 stopped
at 61.500s forge-slot 2 stopped
at 62s forge-slot 2 stopped
expect 62s fenced 2 within 10s
expect 62s liveset 0,1 within 40s
at 100s propose-master 0
expect 100s master 0 within 20s
