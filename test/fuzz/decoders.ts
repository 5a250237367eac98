// Long-run fuzzing of every wire decoder: `node test/fuzz/decoders.ts [--minutes N] [--seed S]
// [--targets vrrp,netlink,ipvs,dns,smtp,http]`. Inputs are mutations of real bytes (keepalived's
// adverts, the kernel's netlink replies, our IPVS encodings, SMTP and HTTP answers) and random
// bytes. Each decoder must return a value or throw its own typed error; a TypeError/RangeError
// from a raw Buffer read, any other exception, or a call slower than 1 s is a failure, printed
// with the seed and iteration so it replays exactly. The two stream readers (SMTP replies, HTTP
// responses) are also fed each input twice, whole and cut into random reads: a different answer
// is a failure too. Per target it prints inputs, typed errors, distinct outcomes (decoder verdicts
// and typed errors, numbers masked) and failures. The fixed-seed samples of the same targets run
// in `npm test` (test/unit/*/fuzz*, test/unit/checks/smtp-reply.test.ts, http-fuzz.test.ts).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from './mutate.ts';
import { mutateReply, SMTP_DIALOGUE } from './mutate-reply.ts';
import { ip } from '../../src/vrrp/addr.ts';
import { encodeAdvert, receiveAdvert, type RxMeta, type RxCheckConfig } from '../../src/vrrp/packet.ts';
import { decodeMessages, decodeAttrs, decodeError, NetlinkDecodeError, NLMSG_ERROR } from '../../src/netlink/message.ts';
import { decodeLink } from '../../src/netlink/route-link.ts';
import { decodeAddr } from '../../src/netlink/route-addr.ts';
import * as ipvs from '../../src/ipvs/codec.ts';
import { decodeDnsHeader } from '../../checks/dns.ts';
import { readReply, REPLY_START, type ReplyProgress } from '../../checks/smtp-reply.ts';
import { ResponseReader } from '../../checks/http-response.ts';

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
  /** Its own mutator, else mutate(). */
  mutate?: (src: Buffer, rnd: Rng) => Buffer;
  /** Decodes; returns a label of the verdict (for the distinct-outcome count). */
  run(input: Buffer, rnd: Rng): string;
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
      const label = (r: { ok: boolean; reason?: string }) => (r.ok ? 'ok' : (r.reason ?? '?'));
      return [receiveAdvert(b, v4, cfgV2), receiveAdvert(b, v4, cfgV3), receiveAdvert(b, v6, cfgV6)].map(label).join('/');
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
      return 'decoded';
    },
    typed: (e) => e instanceof NetlinkDecodeError,
  },
  {
    name: 'ipvs',
    seeds: [ipvs.encodeNewService(svc), ipvs.encodeNewDest(svc, dst), ipvs.encodeSetConfig({ tcp: 900, tcpFin: 120, udp: 300 })],
    // One decoder per input, chosen by the input's first byte, so each error is attributed.
    run(b) {
      const decoders: ((x: Buffer) => unknown)[] = [ipvs.decodeServiceReply, (x) => ipvs.decodeDestReply(x, 'inet'), ipvs.decodeInfoReply, ipvs.decodeConfigReply, ipvs.decodeDaemonReply];
      const which = (b[0] ?? 0) % decoders.length;
      decoders[which](b);
      return `decoded by ${which}`;
    },
    // Typed decode errors, and the address codec's own RangeError subclass.
    typed: (e) => e instanceof NetlinkDecodeError || (e instanceof RangeError && e.name !== 'RangeError'),
  },
  {
    name: 'dns',
    seeds: [Buffer.from('abcd81800001000100000000', 'hex')],
    run(b) {
      const h = decodeDnsHeader(b);
      return h ? `rcode ${h.rcode}` : 'short';
    },
    typed: () => false,
  },
  {
    name: 'smtp',
    seeds: [Buffer.from(SMTP_DIALOGUE), Buffer.from('220 mail.example ESMTP\r\n'), Buffer.from('250-a\n250-b\n250 c\n')],
    mutate: (src, rnd) => (rnd() < 0.7 ? mutateReply(src, rnd) : mutate(src, rnd)),
    run(b, rnd) {
      const whole = smtpStream([b]);
      const split = smtpStream(cut(b, rnd));
      if (whole !== split) throw new Error(`whole and split reads differ: ${whole} / ${split}`);
      return whole.replace(/^[\d,]* /, '').replace(/ line \d+$| \d+ \d+$/, ''); // the error code, or 'more'
    },
    typed: () => false, // the reader returns its errors, it never throws
  },
  {
    name: 'http',
    seeds: [
      Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n'),
      Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nok\n\r\n0\r\n\r\n'),
      Buffer.from('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'),
      Buffer.from('HTTP/1.1 200 OK\r\n\r\nbody until close'),
    ],
    run(b, rnd) {
      const body = rnd() < 0.5;
      const whole = httpStream([b], body);
      const split = httpStream(cut(b, rnd), body);
      if (whole.verdict !== split.verdict) throw new Error(`whole and split reads differ: ${whole.verdict} / ${split.verdict}`);
      // The error detail (not compared: it quotes the bytes seen so far), masked and without quotes.
      return whole.detail.replace(/'.*'|\d+/g, 'N') || whole.verdict.split(' ')[0];
    },
    typed: () => false, // the reader moves to 'error', it never throws
  },
];

/** Cuts `b` into 1 to 9 reads at random points. */
function cut(b: Buffer, rnd: Rng): Buffer[] {
  const points = Array.from({ length: Math.floor(rnd() * 9) }, () => Math.floor(rnd() * (b.length + 1))).sort((x, y) => x - y);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of [...points, b.length]) {
    out.push(b.subarray(at, p));
    at = p;
  }
  return out;
}

/** Reads SMTP replies from the reads as checks/smtp.ts does; a summary of what came out. */
function smtpStream(reads: Buffer[]): string {
  const codes: number[] = [];
  let pending = Buffer.alloc(0);
  let progress: ReplyProgress = REPLY_START;
  for (const chunk of reads) {
    let input: Buffer = Buffer.concat([pending, chunk]);
    for (;;) {
      const r = readReply(input, progress);
      if (r.kind === 'error') return `${codes.join(',')} error ${r.error.code} line ${r.error.line}`;
      if (r.kind === 'more') {
        progress = r.progress;
        pending = Buffer.from(r.rest);
        break;
      }
      codes.push(r.reply.code, r.reply.lines.length);
      progress = REPLY_START;
      input = r.rest;
    }
  }
  return `${codes.join(',')} more ${progress.count} ${pending.length}`;
}

/** Reads an HTTP response from the reads as checks/http-lite.ts does: the verdict and the error. */
function httpStream(reads: Buffer[], body: boolean): { verdict: string; detail: string } {
  let bodyBytes = 0;
  const reader = new ResponseReader(body ? { onBody: (x) => (bodyBytes += x.length) } : {});
  let state = reader.state;
  for (const chunk of reads) {
    state = reader.push(chunk);
    if (state === 'done' || state === 'error') break;
  }
  if (state !== 'done' && state !== 'error') state = reader.end();
  const verdict = `${state} ${reader.status} ${state === 'error' ? reader.errorReason : ''} ${bodyBytes}`;
  return { verdict, detail: state === 'error' ? reader.errorDetail : '' };
}

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
const counts = new Map(chosen.map((t) => [t.name, { runs: 0, typed: 0, failures: 0, ms: 0, outcomes: new Set<string>() }]));
let it = 0;
console.log(`fuzzing ${chosen.map((t) => t.name).join(', ')} for ${minutes} min, seed ${seed}`);
while (performance.now() < end) {
  for (const t of chosen) {
    const input = (t.mutate ?? mutate)(t.seeds[Math.floor(rnd() * t.seeds.length)], rnd);
    const c = counts.get(t.name)!;
    const t0 = performance.now();
    try {
      c.outcomes.add(t.run(input, rnd));
    } catch (e) {
      if (t.typed(e)) {
        c.typed++;
        c.outcomes.add(`${(e as Error).name}: ${(e as Error).message.replace(/\d+/g, 'N')}`);
      }
      else {
        c.failures++;
        console.log(`FAIL ${t.name} seed ${seed} iteration ${it}: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')} input ${input.toString('hex')}`);
      }
    }
    const took = performance.now() - t0;
    c.ms += took;
    if (took > 1000) {
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
  const rate = Math.round(c.runs / (c.ms / 1000 || 1));
  console.log(`${name}: ${c.runs} inputs (${rate}/s of its ${(c.ms / 1000).toFixed(1)} s), ${c.typed} typed errors, ${c.outcomes.size} distinct outcomes, ${c.failures} failures`);
}
process.exitCode = failed ? 1 : 0;
