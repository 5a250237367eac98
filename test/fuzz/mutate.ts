// A deterministic mutator for keepalived.conf texts, shared by the parser fuzz test, the model-level
// fuzz test and the long-running fuzz script. Same seed, same mutants: a failure is reproducible from
// the seed and iteration number alone.

/** A source of numbers in [0, 1). */
export type Rng = () => number;

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG (public domain, by Tommy Ettinger). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[randInt(rng, items.length)];
}

/** Characters that mean something to the lexer or the preprocessor. */
const SPECIAL = ['{', '}', '"', "'", '\\', '#', '!', '$', '@', '~', '\n', ' ', '\t', '\r', '\0', '(', ')', ',', '=', '*', '?', '['];

/** Fragments that exercise whole features (includes, parameters, sequences, conditionals). */
const FRAGMENTS = [
  '{',
  '}',
  '}}',
  '{ }',
  '"',
  "'",
  '\\',
  '\\x41',
  '\\101',
  '\\cA',
  '# comment',
  '! comment',
  '\ninclude missing.conf\n',
  '\ninclude /nonexistent/*.conf\n',
  '\ninclude sub/{a,b}.conf\n',
  '\n$P=value\n',
  '\n$P=${P}${P}\n',
  '\n$M=one \\\n two \\\n three\n',
  '$P',
  '${P}',
  '\n@vm ',
  '\n@^vm ',
  '\n~SEQ(i,1,3) ',
  '\n~SEQx(i, 0x10, 4, 0x1f) ',
  '\n~LST({a,b},{1,2},{3,4}) ',
  '${_RANDOM 1 9}',
  '${_PWD}',
  '\u00e9\u4e2d\ud83d\ude00',
];

function randomChar(rng: Rng): string {
  const r = rng();
  if (r < 0.5) return pick(rng, SPECIAL);
  if (r < 0.9) return String.fromCharCode(randInt(rng, 256));
  return String.fromCharCode(randInt(rng, 0xd800));
}

/** A very long token: one character or a short word repeated thousands of times. */
function hugeToken(rng: Rng): string {
  const unit = pick(rng, ['a', '{', '}', '"', '$', '\\', 'x ', '{a', '${A}', '@']);
  return unit.repeat(1000 + randInt(rng, 20000));
}

function mutateOnce(text: string, rng: Rng): string {
  const n = text.length;
  const at = randInt(rng, n + 1);
  switch (randInt(rng, 11)) {
    case 0: // delete one character
      return text.slice(0, at) + text.slice(at + 1);
    case 1: // insert a special or random character
      return text.slice(0, at) + randomChar(rng) + text.slice(at);
    case 2: {
      // duplicate a slice
      const len = randInt(rng, Math.min(200, n - at) + 1);
      return text.slice(0, at + len) + text.slice(at, at + len) + text.slice(at + len);
    }
    case 3: {
      // delete a slice
      const len = randInt(rng, Math.min(200, n - at) + 1);
      return text.slice(0, at) + text.slice(at + len);
    }
    case 4: // truncate
      return text.slice(0, at);
    case 5: // insert a feature fragment
      return text.slice(0, at) + pick(rng, FRAGMENTS) + text.slice(at);
    case 6: // insert a huge token
      return text.slice(0, at) + hugeToken(rng) + text.slice(at);
    case 7: {
      // replace every occurrence of one structural character by another
      const from = pick(rng, ['{', '}', '"', '\n', ' ']);
      const to = pick(rng, ['', '{', '}', '"', "'", '\n', '#']);
      return text.split(from).join(to);
    }
    case 8: {
      // swap two lines
      const lines = text.split('\n');
      const a = randInt(rng, lines.length);
      const b = randInt(rng, lines.length);
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return lines.join('\n');
    }
    case 9: {
      // insert random bytes
      let junk = '';
      const len = 1 + randInt(rng, 32);
      for (let k = 0; k < len; k++) junk += String.fromCharCode(randInt(rng, 256));
      return text.slice(0, at) + junk + text.slice(at);
    }
    default: {
      // flip one character to a neighbouring code point
      if (n === 0) return text;
      const i = Math.min(at, n - 1);
      return text.slice(0, i) + String.fromCharCode((text.charCodeAt(i) + 1 + randInt(rng, 3)) & 0xffff) + text.slice(i + 1);
    }
  }
}

/** Applies one to four random mutations to a config text. */
export function mutateConfig(text: string, rng: Rng): string {
  let out = text;
  const count = 1 + randInt(rng, 4);
  for (let k = 0; k < count; k++) out = mutateOnce(out, rng);
  return out;
}
