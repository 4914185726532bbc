# clock-step-reboot.sc: host 1's wall clock is stepped back a day (a bad
# NTP server) and host 1 reboots; host 2's is stepped forward and back. A
# boot id is above the previous one whatever the wall clock says, so each
# new incarnation is newer than the old one and joins.
# (Timing: hbctl timeouts -T 10.)
hosts 3
timeout 10

at 0s start all
expect 0s liveset 0,1,2 within 30s
at 30s clock-step 1 -86400s
at 31s crash 1
expect 31s liveset 0,2 within 32s
at 65s boot 1
expect 65s liveset 0,1,2 within 25s
at 100s clock-step 2 +3600s
at 101s clock-step 2 -7200s
at 102s restart-agent 2
expect 102s liveset 0,1,2 within 60s
expect 170s fenced 2
