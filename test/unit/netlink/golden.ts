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

/** The shared seeded PRNG (mulberry32) for fuzzing. */
export { mulberry32 as prng } from '../../fuzz/mutate.ts';
