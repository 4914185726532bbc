# xen3-statefile-dead.sc: three real Xen hosts; the statefile disk stops
# answering on every host at once (every request waits inside QEMU) while
# the network is whole. Survival rule 2 (everyone hears everyone and nobody
# has the statefile) keeps all three alive: nobody fences, the liveset stays
# 0,1,2 (and xenstore shows host 1's warnings as its status does). When the
# disk answers again, every host has statefile access again.
#
# Timing: T = 20; a host that wrongly kept no proof would fence within T2 +
# statefile loss grace + fence bound (`hbctl timeouts -T 20` prints them,
# docs/timing.md); the window is 120 s, well past that.
hosts 3
backend xen
timeout 20
boot all
expect all online within 600s
expect all liveset 0,1,2 within 120s
storage-hang all
expect all status sf_access = false within 60s
expect all status rule2 = true within 30s
expect 1 xenstore-matches-status within 30s
expect all no-fire for 120s
expect all liveset 0,1,2
storage-heal all
expect all status sf_access = true within 90s
expect all status rule2 = false within 30s
expect all liveset 0,1,2
expect all alive
