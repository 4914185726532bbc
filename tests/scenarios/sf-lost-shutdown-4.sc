# sf-lost-shutdown-4.sc: as sf-lost-shutdown.sc with four hosts at T = 30:
# two clean stops under rule 2, each of whose first announcements is lost
# on the way to one peer.
# (Timing: hbctl timeouts -T 30.)
hosts 4
timeout 30

at 0s start all
expect 0s liveset 0,1,2,3 within 40s
at 40s storage-fail all
expect 100s liveset 0,1,2,3
at 100s loss 100% 3 -> 0
at 100s shutdown 3
expect 100s liveset 0,1,2 within 20s
at 101s loss 0% 3 -> 0
at 140s loss 100% 2 -> 1
at 140s shutdown 2
expect 140s liveset 0,1 within 20s
at 140.500s loss 0% 2 -> 1
expect 200s liveset 0,1
expect 200s fenced none
