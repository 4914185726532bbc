# lock-hang-all-propose.sc: five hosts, the master is the highest index.
# Every host's statefile hangs (rule 2), a lower host proposes while no
# register can be read, and the statefile comes back for the master last.
# The lock stays with host 4 throughout; every host reports it.
# (Timing: hbctl timeouts -T 20.)
hosts 5
timeout 20

at 0s start all
expect 0s liveset 0,1,2,3,4 within 40s
at 40s propose-master 4
expect 40s master 4 within 30s
at 80s storage-hang all
at 100s propose-master 1
at 130s storage-heal 0
at 130s storage-heal 1
at 130s storage-heal 2
at 130s storage-heal 3
at 131s propose-master 0
at 133s storage-heal 4
expect 133s master 4 within 30s
expect 170s reported-master 0 4
expect 170s fenced none
