// A hostile VRRP speaker for the security tests and the flood measurement: crafted adverts
// (src/vrrp/packet.ts encodeAdvert) sent from a raw IPPROTO_VRRP socket opened in another
// namespace, with the TTL of our choosing (RFC 5798 §5.1.1.3: receivers MUST drop adverts whose
// TTL is not 255).
//
// As a module: `new Attacker(ns, dev)` then `.send(...)`.
// As a script (flood): `node test/soak/attacker.ts --ns NS --dev eth0 --rate 20000 --seconds 10
//   --vrid 51 --vip 10.99.0.100 [--version 2|3] [--pass PW]` sends a mix of bogus adverts
// (wrong TTL, wrong password / wrong version, wrong VRID) at about `rate` per second and prints
// one JSON line with what it sent.
import {
  AF_INET,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_VRRP,
  SOCK_RAW,
} from '../../src/native/constants.ts';
import { sockaddrIn } from '../../src/native/sockaddr.ts';
import { ipMreqn } from '../../src/native/sockopt.ts';
import { RawSocket } from '../../src/native/socket.ts';
import { ip as ipBytes } from '../../src/vrrp/addr.ts';
import { AUTH_NONE, AUTH_PASS, encodeAdvert, VRRP_MCAST_V4 } from '../../src/vrrp/packet.ts';
import { spawnSync } from 'node:child_process';

export interface AdvertSpec {
  version: 2 | 3;
  vrid: number;
  priority: number;
  vips: string[];
  /** Centiseconds (v2: whole seconds are written). */
  advertIntCs: number;
  /** v2 PASS authentication with this password. */
  pass?: string;
  /** Source address (v3 pseudo-header checksum). */
  src: string;
  /** Destination: the VRRP group by default, or a unicast peer. */
  dst?: string;
  ttl: number;
}

export function craft(a: AdvertSpec): Uint8Array {
  const dst = a.dst ?? VRRP_MCAST_V4;
  return encodeAdvert({
    version: a.version,
    vrid: a.vrid,
    priority: a.priority,
    family: 4,
    addrs: a.vips.map((v) => ipBytes(v)),
    advertIntCs: a.advertIntCs,
    authType: a.version === 2 ? (a.pass !== undefined ? AUTH_PASS : AUTH_NONE) : undefined,
    authPass: a.pass,
    src: ipBytes(a.src),
    dst: ipBytes(dst),
  });
}

export class Attacker {
  readonly sock: RawSocket;
  #ttl = -1;

  constructor(ns: string, dev: string, ifindex: number) {
    this.sock = RawSocket.open(AF_INET, SOCK_RAW, IPPROTO_VRRP, { netns: ns });
    this.sock.bindToDevice(dev);
    this.sock.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0);
    this.sock.setOption(IPPROTO_IP, IP_MULTICAST_IF, ipMreqn(ipBytes('0.0.0.0'), ifindex));
  }

  /** Sends one advert; the TTL applies to multicast and unicast alike. */
  send(a: AdvertSpec): void {
    if (a.ttl !== this.#ttl) {
      this.sock.setOption(IPPROTO_IP, IP_MULTICAST_TTL, a.ttl);
      this.sock.setOption(IPPROTO_IP, IP_TTL, a.ttl);
      this.#ttl = a.ttl;
    }
    this.sendRaw(craft(a), a.dst ?? VRRP_MCAST_V4);
  }

  sendRaw(payload: Uint8Array, dst: string): void {
    try {
      this.sock.send(payload, sockaddrIn(ipBytes(dst)));
    } catch {
      // ENOBUFS under a flood: the packet is lost, as on a real wire
    }
  }

  close(): void {
    this.sock.close();
  }
}

/** The ifindex of `dev` in `ns`. */
export function ifindexIn(ns: string, dev: string): number {
  const r = spawnSync('ip', ['-n', ns, '-j', 'link', 'show', 'dev', dev], { encoding: 'utf8' });
  const j = JSON.parse(r.stdout || '[]') as { ifindex: number }[];
  if (!j[0]) throw new Error(`no ${dev} in ${ns}`);
  return j[0].ifindex;
}

function arg(name: string, dflt?: string): string {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : dflt;
  if (v === undefined) throw new Error(`missing ${name}`);
  return v;
}

/** Flood mode: bogus adverts of every kind, round robin, at about `rate`/s for `seconds`. */
async function flood(): Promise<void> {
  const ns = arg('--ns');
  const dev = arg('--dev', 'eth0');
  const rate = Number(arg('--rate', '20000'));
  const seconds = Number(arg('--seconds', '10'));
  const vrid = Number(arg('--vrid', '51'));
  const vip = arg('--vip', '10.99.0.100');
  const src = arg('--src');
  const version = Number(arg('--version', '3')) as 2 | 3;
  const pass = process.argv.includes('--pass') ? arg('--pass') : undefined;
  const base: AdvertSpec = { version, vrid, priority: 254, vips: [vip], advertIntCs: version === 2 ? 100 : 10, src, ttl: 255, pass };
  // Each kind is one reason a receiver must drop it.
  const kinds: { name: string; payload: Uint8Array; ttl: number }[] = [
    { name: 'ttl', payload: craft(base), ttl: 64 },
    version === 2
      ? { name: 'auth_pass', payload: craft({ ...base, pass: 'WRONGPW!' }), ttl: 255 }
      : { name: 'version_mismatch', payload: craft({ ...base, version: 2 }), ttl: 255 },
    { name: 'vrid_unknown', payload: craft({ ...base, vrid: (vrid % 255) + 1 }), ttl: 255 },
  ];
  const at = new Attacker(ns, dev, ifindexIn(ns, dev));
  const sent: Record<string, number> = {};
  for (const k of kinds) sent[k.name] = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let n = 0;
  const ttlSet = (ttl: number) => {
    at.sock.setOption(IPPROTO_IP, IP_MULTICAST_TTL, ttl);
  };
  // Batches of 1 ms worth of packets, paced against the wall clock.
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (n < due) {
      const k = kinds[n % kinds.length];
      ttlSet(k.ttl);
      at.sendRaw(k.payload, VRRP_MCAST_V4);
      sent[k.name]++;
      n++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const s = (performance.now() - t0) / 1000;
  at.close();
  console.log(JSON.stringify({ sent: n, seconds: Number(s.toFixed(2)), ratePerS: Math.round(n / s), byKind: sent }));
}

if (import.meta.main) await flood();
