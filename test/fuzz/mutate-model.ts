// Keyword-aware mutations for the model-level fuzzers: the byte-level mutator in mutate.ts mostly
// produces lexer errors, these keep the syntax valid and attack the builder and validator instead
// (wrong numbers, keywords moved to other blocks, lines dropped or duplicated, references renamed).
import type { Rng } from './mutate.ts';
import { mutateConfig, randInt } from './mutate.ts';
import { keywordTable } from '../../src/config/keywords.ts';

const ALL_KEYWORDS = [...new Set(Object.values(keywordTable).flatMap((specs) => specs.map((s) => s.keyword)))];

const VALUES = [
  '0', '1', '-1', '255', '256', '65535', '65536', '4294967296', '-253', '254', '0.001', '0.005', '40.95', '41', '1e3',
  'NaN', '', 'on', 'off', 'reverse', 'weight', '192.0.2.1', '10.0.0.300', '2001:db8::1', 'fe80::1/64', '192.0.2.1/33',
  'fwmark', 'group', 'MASTER', 'BACKUP', 'NAT', 'DR', 'TUN', 'rr', 'bogus', 'eth0', 'VI_1', '{', '}', '"a b"',
];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[randInt(rng, xs.length)];
}

function mutateLines(lines: string[], rng: Rng): string[] {
  const out = [...lines];
  if (out.length === 0) return out;
  const i = randInt(rng, out.length);
  const words = out[i].trim().split(/\s+/);
  switch (randInt(rng, 7)) {
    case 0: // replace one value word
      if (words.length > 1) words[1 + randInt(rng, words.length - 1)] = pick(rng, VALUES);
      out[i] = words.join(' ');
      break;
    case 1: // drop a line (may unbalance braces or remove a required keyword)
      out.splice(i, 1);
      break;
    case 2: // duplicate a line elsewhere
      out.splice(randInt(rng, out.length), 0, out[i]);
      break;
    case 3: // put any keyword from any block here
      out.splice(i, 0, `${pick(rng, ALL_KEYWORDS)} ${pick(rng, VALUES)}`);
      break;
    case 4: // drop trailing words (missing arguments)
      out[i] = words.slice(0, Math.max(1, words.length - 1 - randInt(rng, 2))).join(' ');
      break;
    case 5: // append extra words (several keywords on one line, stray values)
      out[i] = `${out[i]} ${pick(rng, ALL_KEYWORDS)} ${pick(rng, VALUES)}`;
      break;
    default: // swap two lines
      {
        const j = randInt(rng, out.length);
        [out[i], out[j]] = [out[j], out[i]];
      }
  }
  return out;
}

/** Applies one to three keyword-level mutations, and sometimes a byte-level one on top. */
export function mutateModelConfig(text: string, rng: Rng): string {
  let lines = text.split('\n');
  const count = 1 + randInt(rng, 3);
  for (let k = 0; k < count; k++) lines = mutateLines(lines, rng);
  const out = lines.join('\n');
  return rng() < 0.25 ? mutateConfig(out, rng) : out;
}
