// Long-run fuzzing of every wire decoder: `node test/fuzz/decoders.ts [--minutes N] [--seed S]
// [--targets vrrp,netlink,ipvs,dns]`. Inputs are mutations of real bytes (keepalived's adverts,
// the kernel's netlink replies, our IPVS encodings) and random bytes. Each decoder must return a
// value or throw its own typed error; a TypeError/RangeError from a raw Buffer read, any other
// exception, or a call slower than 1 s is a failure, printed with the seed and iteration so it
// replays exactly. The fixed-seed samples of the same targets run in `npm test` (test/unit/*/fuzz).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from './mutate.ts';
import { ip } from '../../src/vrrp/addr.ts';
import { encodeAdvert, receiveAdvert, type RxMeta, type RxCheckConfig } from '../../src/vrrp/packet.ts';
import { decodeMessages, decodeAttrs, decodeError, NetlinkDecodeError, NLMSG_ERROR } from '../../src/netlink/message.ts';
import { decodeLink } from '../../src/netlink/route-link.ts';
import { decodeAddr } from '../../src/netlink/route-addr.ts';
import * as ipvs from '../../src/ipvs/codec.ts';
import { decodeDnsHeader } from '../../checks/dns.ts';

type Rng = () => number;

function mutate(src: Buffer, rnd: Rng): Buffer {
  const int = (n: number) => Math.floor(rnd() * n);
  let b = Buffer.from(src);
  const rounds = 1 + int(4);
  for (let r = 0; r < rounds; r++) {
    switch (int(7)) {
      case 0: // flip a byte
        if (b.length) b[int(b.length)] = int(256);
        break;
      case 1: // truncate
        b = b.subarray(0, int(b.length + 1));
        break;
      case 2: // extend with random bytes
        b = Buffer.concat([b, Buffer.from(Array.from({ length: 1 + int(16) }, () => int(256)))]);
        break;
      case 3: {
        // corrupt a 16-bit length-looking field
        if (b.length >= 2) {
          const o = int(b.length - 1);
          b.writeUInt16LE([0, 1, 3, 4, 0xffff, int(65536)][int(6)], o);
        }
        break;
      }
      case 4: // duplicate a slice
        if (b.length) {
          const s = int(b.length);
          b = Buffer.concat([b, b.subarray(s, s + 1 + int(32))]);
        }
        break;
      case 5: // zero a run
        if (b.length) b.fill(0, int(b.length), int(b.length + 1));
        break;
      default: // pure random
        b = Buffer.from(Array.from({ length: int(128) }, () => int(256)));
    }
  }
  return b;
}

interface Target {
  name: string;
  seeds: Buffer[];
  run(input: Buffer): void;
  /** Errors a decoder may legitimately throw on bad input. */
  typed(e: unknown): boolean;
}

function netlinkSeeds(): Buffer[] {
  const dir = join(import.meta.dirname, '..', 'golden', 'netlink');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hex'))
    .map((f) =>
      Buffer.from(
        readFileSync(join(dir, f), 'utf8')
          .split('\n')
          .filter((l) => !l.startsWith('#'))
          .join('')
          .trim(),
        'hex',
      ),
    );
}

const v4: RxMeta = { family: 4, src: ip('10.0.0.2'), dst: ip('224.0.0.18'), ttl: 255 };
const v6: RxMeta = { family: 6, src: ip('fe80::2'), dst: ip('ff02::12'), ttl: 255 };
const cfgV2: RxCheckConfig = { name: 'VI_1', version: 2, vrid: 51, advertIntCs: 100, authType: 1, authPass: 'pw', vips: [ip('10.0.0.100')] };
const cfgV3: RxCheckConfig = { name: 'VI_1', version: 3, vrid: 51, advertIntCs: 100, authType: 0, vips: [ip('10.0.0.100')] };
const cfgV6: RxCheckConfig = { name: 'VI_6', version: 3, vrid: 51, advertIntCs: 100, authType: 0, vips: [ip('2001:db8::100')] };

const svc = { af: 'inet' as const, protocol: 'tcp' as const, address: '10.0.0.100', port: 80, scheduler: 'wrr', flags: 1, timeoutS: 300, netmask: 24, peName: 'sip' };
const dst = { address: '10.0.0.11', port: 80, fwd: 'tunnel' as const, weight: 70000, upperThreshold: 5, lowerThreshold: 1, tunType: 'gue' as const, tunPort: 6080, tunFlags: 1 };

const targets: Target[] = [
  {
    name: 'vrrp',
    seeds: [
      Buffer.from(encodeAdvert({ version: 2, vrid: 51, priority: 100, family: 4, addrs: [ip('10.0.0.100')], advertIntCs: 100, authType: 1, authPass: 'pw' })),
      Buffer.from(encodeAdvert({ version: 3, vrid: 51, priority: 100, family: 4, addrs: [ip('10.0.0.100')], advertIntCs: 100, src: v4.src, dst: v4.dst })),
      Buffer.from(encodeAdvert({ version: 3, vrid: 51, priority: 100, family: 6, addrs: [ip('2001:db8::100')], advertIntCs: 100, src: v6.src, dst: v6.dst })),
    ],
    run(b) {
      receiveAdvert(b, v4, cfgV2);
      receiveAdvert(b, v4, cfgV3);
      receiveAdvert(b, v6, cfgV6);
    },
    typed: () => false, // the VRRP decoder returns reasons, it never throws
  },
  {
    name: 'netlink',
    seeds: netlinkSeeds(),
    run(b) {
      for (const m of decodeMessages(b)) {
        if (m.type === NLMSG_ERROR) decodeError(m);
        else if (m.type >= 16 && m.type <= 19) decodeLink(m);
        else if (m.type >= 20 && m.type <= 22) decodeAddr(m);
        else decodeAttrs(m.payload.subarray(Math.min(4, m.payload.length)));
      }
    },
    typed: (e) => e instanceof NetlinkDecodeError,
  },
  {
    name: 'ipvs',
    seeds: [ipvs.encodeNewService(svc), ipvs.encodeNewDest(svc, dst), ipvs.encodeSetConfig({ tcp: 900, tcpFin: 120, udp: 300 })],
    // One decoder per input, chosen by the input's first byte, so each error is attributed.
    run(b) {
      const decoders: ((x: Buffer) => unknown)[] = [ipvs.decodeServiceReply, (x) => ipvs.decodeDestReply(x, 'inet'), ipvs.decodeInfoReply, ipvs.decodeConfigReply, ipvs.decodeDaemonReply];
      decoders[(b[0] ?? 0) % decoders.length](b);
    },
    // Typed decode errors, and the address codec's own RangeError subclass.
    typed: (e) => e instanceof NetlinkDecodeError || (e instanceof RangeError && e.name !== 'RangeError'),
  },
  {
    name: 'dns',
    seeds: [Buffer.from('abcd81800001000100000000', 'hex')],
    run(b) {
      decodeDnsHeader(b);
    },
    typed: () => false,
  },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const minutes = Number(arg('--minutes') ?? 1);
const seed = Number(arg('--seed') ?? Date.now() % 2 ** 31);
const only = arg('--targets')?.split(',');
const chosen = targets.filter((t) => !only || only.includes(t.name));
const rnd = mulberry32(seed);
const end = performance.now() + minutes * 60_000;
const counts = new Map(chosen.map((t) => [t.name, { runs: 0, typed: 0, failures: 0 }]));
let it = 0;
console.log(`fuzzing ${chosen.map((t) => t.name).join(', ')} for ${minutes} min, seed ${seed}`);
while (performance.now() < end) {
  for (const t of chosen) {
    const input = mutate(t.seeds[Math.floor(rnd() * t.seeds.length)], rnd);
    const c = counts.get(t.name)!;
    const t0 = performance.now();
    try {
      t.run(input);
    } catch (e) {
      if (t.typed(e)) c.typed++;
      else {
        c.failures++;
        console.log(`FAIL ${t.name} seed ${seed} iteration ${it}: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')} input ${input.toString('hex')}`);
      }
    }
    if (performance.now() - t0 > 1000) {
      c.failures++;
      console.log(`SLOW ${t.name} seed ${seed} iteration ${it}: ${(performance.now() - t0).toFixed(0)} ms`);
    }
    c.runs++;
  }
  it++;
}
let failed = 0;
for (const [name, c] of counts) {
  failed += c.failures;
  console.log(`${name}: ${c.runs} inputs, ${c.typed} typed errors, ${c.failures} failures`);
}
process.exitCode = failed ? 1 : 0;
