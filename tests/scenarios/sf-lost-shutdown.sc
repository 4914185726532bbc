# sf-lost-shutdown.sc: the statefile is lost by every host (survival rule
# 2), then host 2 shuts down cleanly while every packet it sends is lost for
# half a second. Its stop is announced until every peer has echoed it, so
# the others learn it, drop it, and keep rule 2: no single lost packet
# fences anyone.
# (Timing: hbctl timeouts -T 10.)
hosts 3
timeout 10
paths 2

at 0s start all
expect 0s liveset 0,1,2 within 30s
at 30s storage-fail all
expect 60s liveset 0,1,2
at 60s loss 100% 2
at 60s shutdown 2
expect 60s liveset 0,1 within 15s
at 60.500s loss 0% 2
expect 100s liveset 0,1
expect 100s fenced none
