# Shared by to_master.sh and to_backup.sh (sourced, not run).
# shellcheck shell=sh
log() { logger -t selfbal "$*" 2>/dev/null || echo "selfbal: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

selfbal_args() {
  [ $# -ge 2 ] || die "usage: $(basename "$0") VIP PORT [PROTO=tcp] [MARK=1]"
  VIP=$1 PORT=$2 PROTO=${3:-tcp} MARK=${4:-1}
  case "$PROTO" in tcp|udp|sctp) ;; *) die "protocol must be tcp, udp or sctp, not $PROTO" ;; esac
  case "$VIP" in *:*) FAM=ip6 PLEN=128 IPT=ip6tables ;; *) FAM=ip PLEN=32 IPT=iptables ;; esac
  # iproute2's ip by path first: in a busybox shell `command -v ip` names busybox's own applet.
  IP=
  for c in /usr/sbin/ip /sbin/ip /usr/bin/ip /bin/ip; do
    if [ -x "$c" ]; then IP=$c; break; fi
  done
  [ -n "$IP" ] || IP=$(command -v ip) || die "ip (iproute2) not found"
  TAG="selfbal-$VIP-$PORT-$PROTO"
}

vip_on_lo() {
  if ! "$IP" addr show dev lo | grep -q " $VIP/$PLEN "; then
    "$IP" addr add "$VIP/$PLEN" dev lo scope host || die "cannot add $VIP/$PLEN to lo"
  fi
}

# nftables: one table of our own per VIP/port, so add/remove never touches anybody else's rules.
nft_table() { echo "selfbal_$(echo "$VIP-$PORT-$PROTO" | tr -c 'a-zA-Z0-9\n' '_')"; }

mark_on() {
  if command -v nft >/dev/null 2>&1; then
    t=$(nft_table)
    nft delete table "$FAM" "$t" 2>/dev/null || true
    nft -f - <<NFT || die "nft failed"
table $FAM $t {
  chain pre {
    type filter hook prerouting priority mangle; policy accept;
    $FAM daddr $VIP $PROTO dport $PORT meta mark set $MARK
  }
}
NFT
  elif command -v "$IPT" >/dev/null 2>&1; then
    "$IPT" -t mangle -C PREROUTING -d "$VIP" -p "$PROTO" --dport "$PORT" -m comment --comment "$TAG" -j MARK --set-mark "$MARK" 2>/dev/null ||
      "$IPT" -t mangle -A PREROUTING -d "$VIP" -p "$PROTO" --dport "$PORT" -m comment --comment "$TAG" -j MARK --set-mark "$MARK" || die "$IPT failed"
  else
    die "neither nft nor $IPT found"
  fi
}

mark_off() {
  if command -v nft >/dev/null 2>&1; then
    nft delete table "$FAM" "$(nft_table)" 2>/dev/null || true
  fi
  if command -v "$IPT" >/dev/null 2>&1; then
    while "$IPT" -t mangle -D PREROUTING -d "$VIP" -p "$PROTO" --dport "$PORT" -m comment --comment "$TAG" -j MARK --set-mark "$MARK" 2>/dev/null; do :; done
  fi
}
