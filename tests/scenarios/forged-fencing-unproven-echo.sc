# forged-fencing-unproven-echo.sc: host 0's packets no longer reach host 1,
# so host 1 no longer echoes host 0's sends and host 0 stops adopting host
# 1's views (unproven). Host 0 still takes each of them as a sign of life of
# its member incarnation of host 1: its removal wait restarts, and it echoes
# host 1's send token. Host 1's statefile fails (it lives on survival rule
# 2); a key holder's copy of host 0's heartbeat, marked fencing, reaches it
# and carries that real echo, on which host 1 renews its proof. That is
# sound (docs/design.md, "Why a silent host dies within F": an echo is given
# only for a sign of life, and the removal wait runs from the latest one),
# but the simulator counted only adopted heartbeats as "heard" and reported
# renew-after-silence (a checker bug, not a core one: host 0 cannot drop
# host 1 before its removal wait from that sign of life, by which time host
# 1's proof has lapsed). Host 1's proof lapses max(T1, T2) after host 0 last
# heard it (about 29.5 s, just before the partition): it fences, and host 0
# drops it a removal wait after that. (Found by hbsim --random
# --hosts-max 2, seed 955982; any seed replays it.)
#
# Timing: T = 15; `hbctl timeouts -T 15` prints the derived figures and
# bounds (docs/timing.md).
hosts 2
timeout 15
paths 1

at 0s start all
expect 0s liveset 0,1 within 15s

at 7s propose-master 1
at 10.5s cut 0 -> 1
at 21s storage-fail 1
at 29.5s forge-heartbeat 0 fencing -> 1
at 29.8s partition 0 | 1
expect 30s fenced 1 within 20s      # last heard at about 29.5 s: + max(T1, T2), + margins
expect 30s liveset 0 within 30s     # + a removal wait

at 90s storage-heal 1
at 91s heal
