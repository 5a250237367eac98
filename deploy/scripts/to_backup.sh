#!/bin/sh
# notify_backup / notify_fault / notify_stop hook of a self-balancing DR tier: the counterpart of
# to_master.sh (read it first). Stops balancing (the mark rule goes) and makes sure the VIP is on lo
# (scope host) so that this node keeps serving what the master forwards to it. The IPVS table is
# left alone: the checker keeps it current, and unmarked packets never reach it.
#
# Run it also at boot (before keepalived starts), so that a node that was hard-killed while master
# comes back with the VIP on lo and no mark rule, whatever the previous run left.
#
# Usage: to_backup.sh VIP PORT [PROTO=tcp] [MARK=1]
set -eu
. "$(dirname "$0")/selfbal-common.sh"
selfbal_args "$@"

# 1. The VIP on lo FIRST (keepalived takes it off the interface itself): never unserved here.
vip_on_lo
# 2. Stop balancing.
mark_off
log "BACKUP: VIP on lo, $PROTO $VIP:$PORT no longer marked (served locally)"
