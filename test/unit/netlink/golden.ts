// Loads test/golden/netlink/*.hex: `# key value` header lines, then hex of netlink messages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const GOLDEN_DIR = join(import.meta.dirname, '..', '..', 'golden', 'netlink');

export interface Golden {
  meta: Record<string, string>;
  bytes: Buffer;
}

export function loadGolden(name: string): Golden {
  const meta: Record<string, string> = {};
  let hex = '';
  for (const line of readFileSync(join(GOLDEN_DIR, name), 'utf8').split('\n')) {
    if (line.startsWith('#')) {
      const m = /^# (\S+) ?(.*)$/.exec(line);
      if (m) meta[m[1]] = m[2];
    } else hex += line.trim();
  }
  return { meta, bytes: Buffer.from(hex, 'hex') };
}

/** A small deterministic PRNG (mulberry32) for seeded fuzzing. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
