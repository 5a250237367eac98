// Captures golden netlink bytes from the real kernel and from iproute2, for the unit tests in
// test/unit/netlink/. Run once as root; the .hex results are committed:
//   node_modules/.bin/node test/golden/netlink/capture.ts
//
// Everything happens in a private namespace `kats-nlcap-<pid>` holding a veth pair with fixed
// names and MACs, deleted at the end:
//  - kernel replies: requests sent with the addon's raw socket calls (not NetlinkSocket, so the
//    bytes are exactly the datagrams read), replies stored as received;
//  - kernel notifications: a socket subscribed to the link and address groups;
//  - iproute2 requests: `strace -e write=FD` hex dumps of what `ip` sends, an independent oracle
//    for our encoders.
// File format: `# key value` lines, then hex (32 bytes a line) of one or more netlink messages.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AF_NETLINK, MSG_PEEK, MSG_TRUNC, NETLINK_ADD_MEMBERSHIP, NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GENERIC, NETLINK_ROUTE, SOCK_RAW, SOL_NETLINK } from '../../../src/native/constants.ts';
import { native } from '../../../src/native/index.ts';
import { inNetns } from '../../../src/native/netns.ts';
import { sockaddrNl } from '../../../src/native/sockaddr.ts';
import { intOpt } from '../../../src/native/sockopt.ts';
import { encodeGetFamily, GENL_ID_CTRL } from '../../../src/netlink/genl.ts';
import { decodeMessages, encodeMessage, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR } from '../../../src/netlink/message.ts';
import { encodeAddr, encodeGetAddrs, RTM_GETADDR, RTM_NEWADDR } from '../../../src/netlink/route-addr.ts';
import { encodeGetLink, encodeGetLinks, RTM_GETLINK } from '../../../src/netlink/route-link.ts';
import { ip as ipBytes } from '../../../src/vrrp/addr.ts';

const here = import.meta.dirname;
const ns = `kats-nlcap-${process.pid}`;
const n = native();

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return (r.stdout ?? '') + (r.stderr ?? '');
}

function toHex(buf: Buffer): string {
  const lines: string[] = [];
  for (let i = 0; i < buf.length; i += 32) lines.push(buf.subarray(i, i + 32).toString('hex'));
  return lines.join('\n');
}

function save(name: string, meta: Record<string, string | number>, bytes: Buffer): void {
  const head = Object.entries(meta).map(([k, v]) => `# ${k} ${v}`);
  writeFileSync(join(here, name), [...head, toHex(bytes), ''].join('\n'));
  console.log(`wrote ${name} (${bytes.length} bytes)`);
}

function openNl(protocol: number, groups: number[] = []): number {
  const fd = inNetns(ns, () => n.socket(AF_NETLINK, SOCK_RAW, protocol));
  n.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, intOpt(1));
  n.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, intOpt(1));
  n.bind(fd, sockaddrNl(0, 0));
  for (const g of groups) n.setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, intOpt(g));
  return fd;
}

/** Reads every queued datagram (the kernel answers rtnetlink/genl inside sendmsg). */
function readAll(fd: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < 1000; i++) {
    const p = n.recvmsg(fd, 0, 0, MSG_PEEK | MSG_TRUNC);
    if (!p) break;
    const r = n.recvmsg(fd, p.size, 0, 0);
    if (!r) break;
    out.push(r.data);
  }
  return out;
}

let seq = 1000;
/** One request; returns the reply datagrams up to the ACK/ERROR/DONE for its seq. */
function exchange(fd: number, type: number, flags: number, payload: Buffer): Buffer {
  const s = ++seq;
  n.sendto(fd, encodeMessage({ type, flags: flags | NLM_F_REQUEST | NLM_F_ACK, seq: s, pid: 0 }, payload), sockaddrNl(0, 0));
  const got: Buffer[] = [];
  for (let tries = 0; tries < 100; tries++) {
    for (const d of readAll(fd)) {
      got.push(d);
      for (const m of decodeMessages(d)) if (m.seq === s && (m.type === NLMSG_DONE || m.type === NLMSG_ERROR)) return Buffer.concat(got);
    }
  }
  throw new Error(`no end of reply for seq ${s}`);
}

/** What `ip ARGS` writes to netlink, as hex from strace; returns the message of `type`. */
function ipRequest(type: number, args: string[], pick: (payload: Buffer) => boolean = () => true): Buffer {
  const out = run('strace', ['-f', '-e', 'trace=sendmsg,sendto', '-e', 'write=3,4,5', 'ip', '-n', ns, ...args]);
  const dumps: Buffer[] = [];
  let cur: number[] | undefined;
  for (const line of out.split('\n')) {
    const m = /^ \| [0-9a-f]{5}  ((?:[0-9a-f]{2} {1,2})+)/.exec(line);
    if (m) {
      cur ??= [];
      for (const h of m[1].trim().split(/\s+/)) cur.push(parseInt(h, 16));
    } else if (cur) {
      dumps.push(Buffer.from(cur));
      cur = undefined;
    }
  }
  if (cur) dumps.push(Buffer.from(cur));
  for (const d of dumps) {
    try {
      for (const msg of decodeMessages(d)) if (msg.type === type && pick(msg.payload)) return d.subarray(0, msg.length);
    } catch {
      // not a netlink write
    }
  }
  throw new Error(`ip ${args.join(' ')}: no message of type ${type} seen`);
}

run('ip', ['netns', 'add', ns]);
try {
  run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  run('ip', ['-n', ns, 'link', 'add', 'kats0', 'address', '02:6b:61:74:73:30', 'type', 'veth', 'peer', 'name', 'kats1', 'address', '02:6b:61:74:73:31']);
  run('ip', ['-n', ns, 'link', 'set', 'kats0', 'up']);
  run('ip', ['-n', ns, 'link', 'set', 'kats1', 'up']);
  run('ip', ['netns', 'exec', ns, 'sh', '-c', 'echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad; echo 0 > /proc/sys/net/ipv6/conf/kats0/accept_dad']);
  const idx = JSON.parse(run('ip', ['-j', '-n', ns, 'link', 'show', 'kats0']))[0].ifindex as number;
  const meta = { kernel: run('uname', ['-r']).trim(), ifindex: idx };

  // iproute2 requests (the oracle for our encoders)
  save('ip-addr-add-v4.hex', { ...meta, cmd: 'ip addr add 192.0.2.10/24 broadcast 192.0.2.255 label kats0:vip dev kats0' },
    ipRequest(RTM_NEWADDR, ['addr', 'add', '192.0.2.10/24', 'broadcast', '192.0.2.255', 'label', 'kats0:vip', 'dev', 'kats0']));
  save('ip-addr-add-v4-host.hex', { ...meta, cmd: 'ip addr add 198.51.100.7/32 scope host dev kats0' },
    ipRequest(RTM_NEWADDR, ['addr', 'add', '198.51.100.7/32', 'scope', 'host', 'dev', 'kats0']));
  save('ip-addr-add-v6-nodad.hex', { ...meta, cmd: 'ip addr add 2001:db8::10/64 dev kats0 nodad' },
    ipRequest(RTM_NEWADDR, ['addr', 'add', '2001:db8::10/64', 'dev', 'kats0', 'nodad']));
  save('ip-addr-add-v6-noprefixroute.hex', { ...meta, cmd: 'ip addr add 2001:db8::11/64 dev kats0 nodad noprefixroute' },
    ipRequest(RTM_NEWADDR, ['addr', 'add', '2001:db8::11/64', 'dev', 'kats0', 'nodad', 'noprefixroute']));
  save('ip-addr-del-v4.hex', { ...meta, cmd: 'ip addr del 198.51.100.7/32 dev kats0' },
    ipRequest(21, ['addr', 'del', '198.51.100.7/32', 'dev', 'kats0']));
  save('ip-link-set-down.hex', { ...meta, cmd: 'ip link set kats1 down' },
    ipRequest(16, ['link', 'set', 'kats1', 'down'], (p) => p.length >= 16 && p.readUInt32LE(12) !== 0));

  // Kernel replies
  const rt = openNl(NETLINK_ROUTE);
  save('kernel-getlink-dump.hex', { ...meta, request: 'RTM_GETLINK dump' }, exchange(rt, RTM_GETLINK, NLM_F_DUMP, encodeGetLinks()));
  save('kernel-getlink-kats0.hex', { ...meta, request: 'RTM_GETLINK name kats0' }, exchange(rt, RTM_GETLINK, 0, encodeGetLink('kats0')));
  save('kernel-getaddr-dump.hex', { ...meta, request: 'RTM_GETADDR dump after the ip addr adds above' }, exchange(rt, RTM_GETADDR, NLM_F_DUMP, encodeGetAddrs()));
  save('kernel-error-eexist.hex', { ...meta, request: 'RTM_NEWADDR 192.0.2.10/24 again (CREATE|EXCL)' },
    exchange(rt, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, encodeAddr({ index: idx, address: ipBytes('192.0.2.10'), prefixLen: 24, label: 'kats0:vip', broadcast: ipBytes('192.0.2.255') })));
  save('kernel-error-enodev.hex', { ...meta, request: 'RTM_GETLINK name nosuchdev' }, exchange(rt, RTM_GETLINK, 0, encodeGetLink('nosuchdev')));
  // An invalid prefix length: rejected with an extended ack message on current kernels.
  const badPrefix = encodeAddr({ index: idx, address: ipBytes('192.0.2.20'), prefixLen: 24 });
  badPrefix.writeUInt8(33, 1);
  save('kernel-error-extack.hex', { ...meta, request: 'RTM_NEWADDR 192.0.2.20 with prefixlen 33' }, exchange(rt, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, badPrefix));
  save('kernel-ack.hex', { ...meta, request: 'RTM_NEWADDR 203.0.113.1/32 (bare ACK)' },
    exchange(rt, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, encodeAddr({ index: idx, address: ipBytes('203.0.113.1'), prefixLen: 32 })));

  const genl = openNl(NETLINK_GENERIC);
  save('kernel-genl-nlctrl.hex', { ...meta, request: 'CTRL_CMD_GETFAMILY nlctrl' }, exchange(genl, GENL_ID_CTRL, 0, encodeGetFamily('nlctrl')));
  save('kernel-genl-enoent.hex', { ...meta, request: 'CTRL_CMD_GETFAMILY katsnofam' }, exchange(genl, GENL_ID_CTRL, 0, encodeGetFamily('katsnofam')));

  // Notifications: link down, address add (v4 with label) and delete (v6)
  const ev = openNl(NETLINK_ROUTE, [1, 5, 9]);
  // kats1 went down above (the iproute2 capture): bring it up, let the asynchronous carrier
  // notifications (linkwatch) pass, then take it down again and collect what follows.
  run('ip', ['-n', ns, 'link', 'set', 'kats1', 'up']);
  await new Promise((r) => setTimeout(r, 1500));
  readAll(ev);
  run('ip', ['-n', ns, 'link', 'set', 'kats1', 'down']);
  await new Promise((r) => setTimeout(r, 1500));
  save('kernel-event-link-down.hex', { ...meta, event: 'ip link set kats1 down' }, Buffer.concat(readAll(ev)));
  run('ip', ['-n', ns, 'addr', 'add', '192.0.2.50/24', 'label', 'kats0:ev', 'dev', 'kats0']);
  save('kernel-event-newaddr-v4.hex', { ...meta, event: 'ip addr add 192.0.2.50/24 label kats0:ev dev kats0' }, Buffer.concat(readAll(ev)));
  run('ip', ['-n', ns, 'addr', 'del', '2001:db8::10/64', 'dev', 'kats0']);
  save('kernel-event-deladdr-v6.hex', { ...meta, event: 'ip addr del 2001:db8::10/64 dev kats0' }, Buffer.concat(readAll(ev)));
  for (const fd of [rt, genl, ev]) n.close(fd);
} finally {
  run('ip', ['netns', 'del', ns]);
}
