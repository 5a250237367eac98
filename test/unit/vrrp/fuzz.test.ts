// Decoder fuzz: random bytes and mutated valid adverts (fixed seed, 20k iterations). Every
// outcome must be {ok: true} or a known reason code; nothing may throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ip } from '../../../src/vrrp/addr.ts';
import { mulberry32 as prng } from '../../fuzz/mutate.ts';
import { encodeAdvert, receiveAdvert, DROP_REASONS, type RxMeta, type RxCheckConfig } from '../../../src/vrrp/packet.ts';


test('decoder never throws: 20k random and mutated packets end as ok or a known reason', () => {
  const rnd = prng(0x5eed);
  const int = (n: number) => Math.floor(rnd() * n);
  const reasons = new Set<string>(DROP_REASONS);
  const metas: RxMeta[] = [
    { family: 4, src: ip('10.0.0.2'), dst: ip('224.0.0.18'), ttl: 255 },
    { family: 6, src: ip('fe80::2'), dst: ip('ff02::12'), ttl: 255 },
  ];
  const seeds = [
    encodeAdvert({ version: 2, vrid: 51, priority: 100, family: 4, addrs: [ip('10.0.0.100')], advertIntCs: 100, authType: 1, authPass: 'pw' }),
    encodeAdvert({ version: 3, vrid: 51, priority: 100, family: 4, addrs: [ip('10.0.0.100')], advertIntCs: 100, src: metas[0].src, dst: metas[0].dst }),
    encodeAdvert({ version: 3, vrid: 51, priority: 100, family: 6, addrs: [ip('2001:db8::100')], advertIntCs: 100, src: metas[1].src, dst: metas[1].dst }),
  ];
  const cfgs: RxCheckConfig[] = [
    { name: 'VI_1', version: 2, vrid: 51, advertIntCs: 100, authType: 1, authPass: 'pw', vips: [ip('10.0.0.100')] },
    { name: 'VI_1', version: 3, vrid: 51, advertIntCs: 100, authType: 0, vips: [ip('10.0.0.100')] },
    { name: 'VI_6', version: 3, vrid: 51, advertIntCs: 100, authType: 0, vips: [ip('2001:db8::100')] },
  ];
  const seen = new Map<string, number>();
  for (let i = 0; i < 20_000; i++) {
    const k = int(3);
    let pkt: Uint8Array;
    if (i % 4 === 0) {
      pkt = new Uint8Array(int(64));
      for (let j = 0; j < pkt.length; j++) pkt[j] = int(256);
    } else {
      pkt = seeds[k].slice();
      const muts = 1 + int(3);
      for (let m = 0; m < muts; m++) {
        const op = int(4);
        if (op === 0 && pkt.length > 0) pkt[int(pkt.length)] = int(256);
        else if (op === 1 && pkt.length > 0) pkt[int(pkt.length)] ^= 1 << int(8);
        else if (op === 2) pkt = pkt.subarray(0, int(pkt.length + 1));
        else {
          const grown = new Uint8Array(pkt.length + 1 + int(8));
          grown.set(pkt);
          pkt = grown;
        }
      }
    }
    const meta = { ...metas[k === 2 ? 1 : 0], ttl: rnd() < 0.05 ? int(256) : 255 };
    let outcome: string;
    try {
      const r = receiveAdvert(pkt, meta, cfgs[k], rnd() < 0.5 ? meta.src : undefined);
      outcome = r.ok ? 'ok' : r.reason;
    } catch (e) {
      assert.fail(`iteration ${i} threw: ${String(e)}`);
    }
    assert.ok(outcome === 'ok' || reasons.has(outcome), outcome);
    seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
  }
  // the corpus reaches the interesting reasons
  for (const r of ['ok', 'short', 'version', 'length', 'checksum', 'ttl']) assert.ok((seen.get(r) ?? 0) > 0, `never saw ${r}`);
});
