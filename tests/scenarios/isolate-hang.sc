# isolate-hang.sc: host 2 loses its network and its statefile at the same
# moment (its switch port and its SAN path, or the whole host hangs in I/O
# with the NIC down). Nobody hears it any more: its own writes do not land
# and it hears nobody, so no proof of either survival rule is fresh and it
# fences within T2 + P + W + slack (hung statefile, network cut: the bound
# that Ws must cover); the others drop it after its fence bound.
# (Timing: hbctl timeouts -T 15.)
hosts 3
timeout 15

at 0s start all
expect 0s liveset 0,1,2 within 40s
at 40s isolate 2
at 40s storage-hang 2
expect 40s down 2 within 25s
expect 40s liveset 0,1 within 45s
at 100s heal
at 100s storage-heal 2
expect 110s fenced 2
