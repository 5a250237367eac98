// Seeded fuzzing of every netlink decoder with mutated real kernel bytes: truncations, byte flips,
// corrupted length fields and random garbage. The only acceptable failure is a typed
// NetlinkDecodeError (rtEventsOf turns it into a 'bad-message' event); a RangeError, TypeError or
// any other throw is a bug. The seed is printed so a failure can be replayed (KATS_FUZZ_SEED).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { decodeFamily, decodeGenl } from '../../../src/netlink/genl.ts';
import { attrMap, decodeAttrs, decodeError, decodeMessages, NetlinkDecodeError } from '../../../src/netlink/message.ts';
import type { NlMessage } from '../../../src/netlink/message.ts';
import { decodeAddr, decodeLink, rtEventsOf } from '../../../src/netlink/rtnetlink.ts';
import { GOLDEN_DIR, loadGolden, prng } from './golden.ts';

const seed = Number(process.env.KATS_FUZZ_SEED ?? 0x6b617473);
const ROUNDS = Number(process.env.KATS_FUZZ_ROUNDS ?? 300);

function expectTyped(what: string, fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof NetlinkDecodeError)) {
      assert.fail(`${what}: untyped ${(e as Error)?.name}: ${(e as Error)?.message} (seed ${seed})`);
    }
  }
}

function decodeAll(buf: Buffer, label: string): void {
  let msgs: NlMessage[] = [];
  expectTyped(`${label} decodeMessages`, () => (msgs = decodeMessages(buf)));
  const up = new Map<number, boolean>();
  for (const m of msgs) {
    for (const dec of [decodeLink, decodeAddr, decodeError, decodeGenl, decodeFamily] as ((x: NlMessage) => unknown)[]) {
      expectTyped(`${label} ${dec.name}`, () => dec(m));
    }
    expectTyped(`${label} attrs`, () => attrMap(m.payload.subarray(Math.min(m.payload.length, 16))));
    const ev = rtEventsOf(m, up); // never throws: bad input is an event
    assert.ok(Array.isArray(ev));
    for (const e of ev) if (e.type === 'bad-message') assert.ok(e.error instanceof NetlinkDecodeError, `${label}: ${e.error.message}`);
  }
}

function mutate(src: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(src);
  const kind = Math.floor(rnd() * 5);
  const at = () => Math.floor(rnd() * Math.max(1, b.length));
  switch (kind) {
    case 0: // truncate
      return b.subarray(0, at());
    case 1: // flip some bytes
      for (let i = 0; i < 1 + Math.floor(rnd() * 8); i++) b[at()] ^= 1 + Math.floor(rnd() * 255);
      return b;
    case 2: {
      // corrupt a 16-bit length-looking field (attribute headers) with small or huge values
      const i = at() & ~1;
      if (i + 1 < b.length) b.writeUInt16LE([0, 1, 3, 4, 5, 0xffff, Math.floor(rnd() * 0x10000)][Math.floor(rnd() * 7)], i);
      return b;
    }
    case 3: {
      // corrupt the nlmsg_len of the first message
      if (b.length >= 4) b.writeUInt32LE([0, 15, 16, 17, b.length + 4, 0xffffffff, Math.floor(rnd() * 0x1000)][Math.floor(rnd() * 7)], 0);
      return b;
    }
    default: // garbage tail
      return Buffer.concat([b, Buffer.from(Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256)))]);
  }
}

describe(`netlink decoders under fuzzing (seed ${seed})`, () => {
  const files = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.hex'));

  it('every golden decodes cleanly as captured', () => {
    for (const f of files) decodeAll(loadGolden(f).bytes, f);
  });

  it('mutated goldens give typed errors only', () => {
    const rnd = prng(seed);
    for (const f of files) {
      const src = loadGolden(f).bytes;
      for (let i = 0; i < ROUNDS; i++) decodeAll(mutate(src, rnd), `${f}#${i}`);
    }
  });

  it('mutated single messages (payload-level corruption) give typed errors only', () => {
    const rnd = prng(seed ^ 0x55aa);
    for (const f of files) {
      let msgs: NlMessage[];
      try {
        msgs = decodeMessages(loadGolden(f).bytes);
      } catch {
        continue;
      }
      for (const m of msgs) {
        for (let i = 0; i < 40; i++) {
          const payload = mutate(m.payload, rnd);
          const fake: NlMessage = { ...m, payload, length: 16 + payload.length };
          for (const dec of [decodeLink, decodeAddr, decodeError, decodeGenl, decodeFamily] as ((x: NlMessage) => unknown)[]) {
            expectTyped(`${f} ${dec.name}`, () => dec(fake));
          }
          expectTyped(`${f} attrs`, () => decodeAttrs(payload));
          rtEventsOf(fake, new Map());
        }
      }
    }
  });

  it('random garbage gives typed errors only', () => {
    const rnd = prng(seed ^ 0xdead);
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(rnd() * 96);
      const b = Buffer.from(Array.from({ length: len }, () => Math.floor(rnd() * 256)));
      if (len >= 4 && rnd() < 0.5) b.writeUInt32LE(Math.min(len, 16 + Math.floor(rnd() * 80)), 0);
      decodeAll(b, `garbage#${i}`);
    }
  });
});
