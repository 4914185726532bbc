# stop-then-statefile-dies.sc: host 3 stops cleanly while every statefile
# is slow, and the statefile dies for everyone three seconds later. Its
# Stopped heartbeats reached everyone; its last Online slot write, in
# flight when it stopped, lands after them and must not contradict them;
# the Stopped slot itself is never read (the reads fail). The members
# believe the stop on its heartbeats once their reads have failed for a
# cycle, before they lose their access: rule 2 then holds and nobody
# fences. (Found by hbsim --random, seed 34813.)
hosts 7
timeout 20
paths 1
at 0s start all
at 13.023s propose-master 4
at 22.841s storage-slow all 1.869s
at 30.360s shutdown 3
at 33.131s storage-fail all
at 34.682s shutdown 3
at 34.682s loss 100% 3
at 36.546s loss 0% 3
at 53.228s boot 3
#@ seed 34813
#@ at 54.213s end
