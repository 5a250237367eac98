#!/bin/sh
# keepalived-ts notify script (as keepalived's): called as
#   notify.sh TYPE NAME STATE PRIORITY
# TYPE is INSTANCE or GROUP, STATE is MASTER, BACKUP, FAULT or STOP. Logs the transition to the
# journal/syslog; extend the case below (e.g. restart a local service on MASTER).
# Use it with:   notify "/usr/local/lib/keepalived-ts/notify.sh"
# (with enable_script_security the script and its directory must be root-owned, not writable by
# others).
type=$1 name=$2 state=$3 prio=$4
logger -t keepalived-ts-notify "$type $name is now $state (priority $prio)"
case "$state" in
  MASTER) : ;;   # e.g. systemctl reload haproxy
  BACKUP) : ;;
  FAULT)  : ;;
  STOP)   : ;;
esac
exit 0
