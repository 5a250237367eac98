#!/bin/sh
# notify_master hook of a self-balancing DR tier (every node is a web server; the VRRP master also
# balances with IPVS in direct-routing mode), for users of keepalived or keepalived-ts who prefer
# hooks to the built-in `lvs_self_balancing` keyword.
#
# Why not the usual recipe (to_backup.sh runs `ipvsadm -S` + `ipvsadm -C`, to_master.sh runs
# `ipvsadm -R` of the saved copy): a restored table is the health of the PAST. After a hard
# failure of the master, the new master restores a table that still lists the dead node, and the
# checker, which already tried to remove it from the cleared table, does not try again: a third of
# the requests are lost for as long as the node stays down. And a hard-killed node comes back with
# the VIP on neither lo nor an empty table.
#
# This pair never saves, clears or restores the table. The checker (keepalived's or ours) keeps the
# virtual_server CURRENT on every node all the time; what makes only the master balance is a
# firewall mark: the virtual_server is a `virtual_server fwmark N` and only the master marks the
# VIP's incoming traffic. A backup receives the packets the master forwards to it unmarked, so they
# go to its local web server instead of being balanced again.
#
# The VIP stays on lo (scope host) on EVERY node, master included, and is never removed from lo:
# keepalived adds/removes it on the interface itself, so there is never a moment when a node does
# not accept the VIP (a packet still arriving through a stale ARP cache is served locally).
# With arp_ignore=1 / arp_announce=2 (deploy/sysctl/90-keepalived-ts-dr.conf) only the holder of
# the VIP on the interface answers ARP for it.
#
# keepalived.conf (every node):
#   vrrp_instance WEB {
#     ...
#     virtual_ipaddress { 192.0.2.10/32 dev eth0 }
#     notify_master "/etc/keepalived/to_master.sh 192.0.2.10 80 tcp 1"
#     notify_backup "/etc/keepalived/to_backup.sh 192.0.2.10 80 tcp 1"
#     notify_fault  "/etc/keepalived/to_backup.sh 192.0.2.10 80 tcp 1"
#     notify_stop   "/etc/keepalived/to_backup.sh 192.0.2.10 80 tcp 1"
#   }
#   virtual_server fwmark 1 {
#     delay_loop 2
#     lb_algo wrr
#     lb_kind DR
#     real_server 192.0.2.11 { TCP_CHECK { connect_port 80 } }   # no port: fwmark
#     ...
#   }
#
# Usage: to_master.sh VIP PORT [PROTO=tcp] [MARK=1]
# Needs nft (nftables) or iptables. Idempotent: safe to run twice.
set -eu
. "$(dirname "$0")/selfbal-common.sh"
selfbal_args "$@"

# 1. The VIP on lo (normally already there: it is never removed; a node that crashed may lack it).
vip_on_lo
# 2. Start balancing: mark the VIP's traffic. The fwmark service is already current (health).
mark_on
log "MASTER: marking $PROTO $VIP:$PORT with $MARK (IPVS balances it); VIP kept on lo"
