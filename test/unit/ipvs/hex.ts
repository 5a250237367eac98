// Reads the annotated hex fixtures of test/golden/ipvs: `#` comments, whitespace ignored, and
// `@name` lines splitting one file into named sections.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const goldenDir = join(import.meta.dirname, '..', '..', 'golden', 'ipvs');

export function parseHex(text: string): Buffer {
  const hex = text
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`bad hex fixture: ${hex.slice(0, 40)}...`);
  return Buffer.from(hex, 'hex');
}

export function golden(name: string): Buffer {
  return parseHex(readFileSync(join(goldenDir, name), 'utf8'));
}

export function goldenSections(name: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let cur = '';
  let acc: string[] = [];
  const flush = () => {
    if (cur) out.set(cur, parseHex(acc.join('\n')));
  };
  for (const line of readFileSync(join(goldenDir, name), 'utf8').split('\n')) {
    const m = /^@(\S+)/.exec(line);
    if (m) {
      flush();
      cur = m[1];
      acc = [];
    } else acc.push(line);
  }
  flush();
  return out;
}
