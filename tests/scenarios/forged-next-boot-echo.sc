# forged-next-boot-echo.sc: host 0's statefile hangs, then its packets no
# longer reach host 1; a heartbeat signed with the pool key, a copy of host
# 0's last heartbeat (never delivered) under the next boot id, reaches host
# 1. Host 1 does not take it as a sign of life of its member incarnation of
# host 0 (another boot id), so its removal wait runs from the last real
# heartbeat; it must not echo the copy's send token either: host 0's rule-2
# proof rests on that echo, and it would renew up to T1 past the moment
# host 1 last heard it (and, with a later copy, still run when host 1
# removes it). Host 0's proof lapses max(T1, T2) after it was last heard:
# it fences, and host 1 drops it. (Found by hbsim --random --hosts-max 2,
# seed 5004375, as renew-after-silence; any seed replays it.)
#
# Timing: T = 30; `hbctl timeouts -T 30` prints the derived figures and
# bounds (docs/timing.md).
hosts 2
timeout 30

at 0s start all
expect 0s liveset 0,1 within 30s

at 20s storage-hang 0
at 30s cut 0 -> 1
at 33s forge-heartbeat 0 next-boot -> 1
expect 33s fenced 0 within 37s     # unheard since about 29 s: + max(T1, T2), + margins
expect 33s liveset 1 within 42s    # + a removal wait

at 130s storage-heal 0
at 131s heal
