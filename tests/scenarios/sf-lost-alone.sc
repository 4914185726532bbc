# sf-lost-alone.sc: the last host of a pool loses the statefile. Host 1
# crashes and host 2 shuts down cleanly; host 0 drops host 1 and is alone
# in its liveset. Then its statefile fails. Nobody hears it any more, and no
# other member can vouch that the statefile is dead for everyone (survival
# rule 2 needs a member heard and hearing me): it must fence, as if it had
# lost the statefile while peers kept theirs. Were it to live on, a host
# that starts later with its link to host 0 cut would read host 0's slot
# unchanged, count it gone after its fence bound and form a second liveset.
# Found by `hbsim --random --runs 100000 --seed 1` (seeds 80102 and 88994:
# host 0 alone renewed its proof on rule 2 with no peer at all).
#
# Timing: T = 10; host 0 decides within T2 + loss grace + P of the failure
# and is down a tick later (`hbctl timeouts -T 10` prints the figures,
# docs/timing.md).
hosts 3
timeout 10

at 0s start all
expect 0s liveset 0,1,2 within 30s

at 30s crash 1
at 30s shutdown 2
expect 30s liveset 0 within 60s

at 95s storage-fail 0
expect 95s down 0,1,2 within 28s     # 1 crashed, 2 shut down, 0 fenced
expect 125s fenced 0

at 130s isolate 0
at 130s boot 2
expect 200s down 0,1                 # host 0 stays fenced; host 2 waits
