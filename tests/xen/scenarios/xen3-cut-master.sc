# xen3-cut-master.sc: three real Xen hosts. All reach Online with one
# master; the master runs a guest domain. Pulling the master's cable makes it
# fence itself at once: its last words go to its statefile slot, its guest is
# paused and Xen reboots its dom0 (the agent's reboot through the hypervisor;
# the watchdog is the backstop). The two survivors agree on the liveset 1,2
# only after the master has gone, and the master moves to a survivor; what
# the survivors publish in xenstore matches their status.
#
# Timing: T = 20; `hbctl timeouts -T 20` prints the derived figures (settle,
# fence bound, removal wait, failover bound; docs/timing.md).
# Generous bounds: three emulated hosts share two cores.
hosts 3
backend xen
timeout 20
boot all
expect all online within 600s
expect all liveset 0,1,2 within 120s
cmd 0 sh hbctl propose-master
expect 0 output TRUE
expect all master 0 within 60s
cmd 0 start-guest
expect 0 output guest1
cut 0
expect 0 fenced within 90s
expect 0 console hbagent: FENCE \(lost_partition\): paused 1 of 1 guest domain
expect 1 liveset 1,2 within 90s
expect 2 liveset 1,2 within 30s
expect 1 left-after-fence 0
expect 2 left-after-fence 0
expect 0 lastwords lost_partition
expect 1 master none within 30s
cmd 1 sh hbctl propose-master
expect 1 output TRUE
expect 1 master 1 within 60s
expect 2 master 1 within 30s
expect 1 xenstore-matches-status within 30s
expect 2 xenstore-matches-status within 30s
expect 1 alive
expect 2 alive
