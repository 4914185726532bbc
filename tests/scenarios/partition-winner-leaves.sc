# partition-winner-leaves.sc: a 2|2 split that {0,2} wins (lowest index),
# then the losing side's host 1 fences early for a reason of its own (its
# slot was overwritten), and the winning side's host 0 and the losing
# side's host 3 stop cleanly. Host 2 is alone: its only rival is host 1,
# which is fencing. A fencing host keeps its place in the partitions (a
# loser acting first must not change the others' picture), but a
# partition of fencing hosts only cannot win: host 2 survives. (Host 0,
# the master, leaving at that moment is what makes the timing.)
# (Found by hbsim --random, seed 117291.)
# (Timing: hbctl timeouts -T 15.)
hosts 4
timeout 15

at 0s start all
expect 0s liveset 0,1,2,3 within 30s
at 9.779s propose-master 0
at 16.273s partition 1,3 | 0,2
at 29.282s forge-slot 1 huge-sequence
at 29.782s forge-slot 1 huge-sequence
at 30.282s forge-slot 1 huge-sequence
at 30.663s shutdown 0
at 30.782s forge-slot 1 huge-sequence
at 32.397s shutdown 3
expect 32.397s fenced 1 within 5s
expect 60s liveset 2 within 60s
expect 120s fenced 1
