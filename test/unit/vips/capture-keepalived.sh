#!/bin/sh
# Capture the gratuitous ARP and unsolicited neighbour advertisement that the real keepalived
# sends on becoming MASTER, as golden frames for src/vips/garp.ts and ndisc.ts (an independent
# oracle: our encoders must produce the same bytes for the same MAC and VIP).
#
# Runs the installed keepalived in a private namespace `kats-l2cap-PID` with a veth pair whose
# MACs are fixed, and records with tcpdump on the peer end. Needs root, iproute2, keepalived,
# tcpdump. Run once; the .hex results are committed:
#   sh test/unit/vips/capture-keepalived.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ns="kats-l2cap-$$"
work=$(mktemp -d)
td_pid=""

cleanup() {
  [ -n "$td_pid" ] && kill "$td_pid" 2>/dev/null || true
  for f in "$work/ka.pid" "$work/ka.vrrp.pid"; do
    [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 0.5
  for f in "$work/ka.pid" "$work/ka.vrrp.pid"; do
    [ -s "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true
  done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

ip netns add "$ns"
nsx() { ip netns exec "$ns" "$@"; }
nsx ip link set lo up
nsx ip link add va address 02:6b:61:74:73:30 type veth peer name vb address 02:6b:61:74:73:31
nsx ip link set va addrgenmode none
nsx ip link set vb addrgenmode none
nsx ip addr add 10.77.0.1/24 dev va
nsx ip -6 addr add fe80::1/64 dev va nodad
nsx ip link set va up
nsx ip link set vb up

cat > "$work/ka.conf" <<'EOF'
global_defs {
  router_id kats_l2cap
  vrrp_garp_master_repeat 1
  vrrp_garp_master_delay 0
}
vrrp_instance VI_1 {
  interface va
  state MASTER
  virtual_router_id 52
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.77.0.100/32
  }
  virtual_ipaddress_excluded {
    2001:db8:77::100/128
  }
}
EOF

nsx tcpdump -i vb -U -w "$work/l2.pcap" -c 2 'arp or (icmp6 and ip6[40] == 136)' 2>"$work/tcpdump.log" &
td_pid=$!
sleep 0.5
nsx keepalived -n -l -D -P -f "$work/ka.conf" -p "$work/ka.pid" -r "$work/ka.vrrp.pid" >"$work/ka.log" 2>&1 &
i=0
while kill -0 "$td_pid" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$td_pid" 2>/dev/null; then
  echo "capture timed out" >&2
  cat "$work/ka.log" >&2
  exit 1
fi
td_pid=""

# One frame per file: the hex of the whole Ethernet frame, 32 bytes a line.
to_hex() {
  tcpdump -r "$work/l2.pcap" -xx "$1" 2>/dev/null |
    awk '/^\t0x/ { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9a-f]+$/ && length($i) == 4) printf "%s", $i } END { print "" }' |
    fold -w 64
}
{
  echo "# keepalived $(keepalived -v 2>&1 | head -1 | awk '{print $2}') gratuitous ARP, captured by capture-keepalived.sh"
  echo "# mac 02:6b:61:74:73:30"
  echo "# vip 10.77.0.100"
  to_hex arp
} > "$here/keepalived-garp.hex"
{
  echo "# keepalived $(keepalived -v 2>&1 | head -1 | awk '{print $2}') unsolicited NA, captured by capture-keepalived.sh"
  echo "# mac 02:6b:61:74:73:30"
  echo "# vip 2001:db8:77::100"
  to_hex icmp6
} > "$here/keepalived-na.hex"
cat "$here/keepalived-garp.hex" "$here/keepalived-na.hex"
