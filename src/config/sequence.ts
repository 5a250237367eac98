// Repeated lines, keepalived.conf(5) "Sequence blocks" and "List blocks" (acassen/keepalived
// lib/parser.c add_seq() and its ~LST counterpart):
//
//   ~SEQ(var, start, step, end) BODY   BODY once per value, with $var set (decimal)
//   ~SEQ(var, start, end)              step 1 or -1 towards end
//   ~SEQ(var, end)                     start 1 (or -1 when end < 0)
//   ~SEQx(...)                         the same, $var formatted in lower-case hexadecimal
//   ~LST(var, v1, v2, ...) BODY        BODY once per value
//   ~LST({a, b}, {1, 2}, {3, 4}) BODY  several variables at a time
//
// Numbers are read like strtol(…, 0): `0x` hexadecimal and leading-`0` octal are accepted. Parameters
// inside the parentheses are substituted before the numbers are read; BODY is substituted at each
// repetition, so it may itself be a ~SEQ/~LST line (nested blocks) or a multi-line parameter.

/** A parsed ~SEQ or ~LST line. */
export type Repeat =
  | { kind: 'seq'; variable: string; start: number; step: number; end: number; hex: boolean; body: string }
  | { kind: 'lst'; variables: string[]; rows: string[][]; body: string };

/** More repetitions than this in one block are refused: they would only come from a typo. */
export const MAX_REPEAT = 65536;

/** Whether a (decommented) line is a ~SEQ / ~SEQx / ~LST block. */
export function isRepeatLine(text: string): boolean {
  return text.startsWith('~SEQ') || text.startsWith('~LST');
}

function skipBlanks(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  return i;
}

/** strtol(s + i, &end, 0): the number and the index after it; no digits gives 0 and `i` back. */
export function readLong(s: string, i: number): { value: number; end: number } {
  let p = i;
  while (p < s.length && /\s/.test(s[p])) p++;
  let sign = 1;
  if (s[p] === '+' || s[p] === '-') {
    if (s[p] === '-') sign = -1;
    p++;
  }
  let base = 10;
  if (s[p] === '0' && (s[p + 1] === 'x' || s[p + 1] === 'X') && /[0-9a-fA-F]/.test(s[p + 2] ?? '')) {
    base = 16;
    p += 2;
  } else if (s[p] === '0') base = 8;
  const digitsStart = p;
  let value = 0;
  while (p < s.length) {
    const d = parseInt(s[p], base);
    if (Number.isNaN(d)) break;
    value = value * base + d;
    p++;
  }
  if (p === digitsStart) return { value: 0, end: i };
  return { value: sign * value, end: p };
}

type Parsed = { repeat: Repeat; error: null } | { repeat: null; error: string };

function fail(error: string): Parsed {
  return { repeat: null, error };
}

/** The text between `(` at `open` and its `)`, and the body after it. */
function parenthesised(text: string, open: number): { inner: string; body: string } | null {
  let depth = 0;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ')' && depth <= 0) return { inner: text.slice(open + 1, i), body: text.slice(skipBlanks(text, i + 1)) };
  }
  return null;
}

function parseSeq(text: string, substitute: (s: string) => string): Parsed {
  let p = 4;
  const hex = text[p] === 'x';
  if (hex) p++;
  p = skipBlanks(text, p);
  if (text[p] !== '(') return fail(`invalid ~SEQ: expected '(' after ~SEQ${hex ? 'x' : ''}`);
  const group = parenthesised(text, p);
  if (group === null) return fail("invalid ~SEQ: missing ')'");
  const comma = group.inner.indexOf(',');
  const variable = (comma === -1 ? group.inner : group.inner.slice(0, comma)).trim();
  if (comma === -1 || variable === '' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
    return fail('invalid ~SEQ: expected ~SEQ(VARIABLE, [START,] [STEP,] END)');
  }
  const numbers = substitute(group.inner.slice(comma + 1));
  const values: number[] = [];
  let q = 0;
  for (let k = 0; k < 3; k++) {
    const r = readLong(numbers, q);
    values.push(r.value);
    q = skipBlanks(numbers, r.end);
    if (q >= numbers.length) break;
    if (numbers[q] !== ',' || k === 2) return fail(`invalid ~SEQ: bad number list '${numbers.trim()}'`);
    q++;
  }
  if (values.some((v) => !Number.isSafeInteger(v))) return fail(`invalid ~SEQ: number out of range in '${numbers.trim()}'`);
  let start: number;
  let step: number;
  let end: number;
  if (values.length === 1) {
    end = values[0];
    step = end < 1 ? -1 : 1;
    start = end < 0 ? -1 : 1;
  } else if (values.length === 2) {
    [start, end] = values;
    step = start <= end ? 1 : -1;
  } else {
    [start, step, end] = values;
    if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) {
      return fail(`invalid ~SEQ values: start ${start}, step ${step}, end ${end}`);
    }
  }
  if (hex && (start < 0 || end < 0)) return fail('~SEQx is only valid for positive numbers');
  const seq: Repeat = { kind: 'seq', variable, start, step, end, hex, body: group.body };
  return { repeat: seq, error: null };
}

/** Splits `a, {b, c}, d` at the commas outside braces. */
function splitTopLevel(s: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}') depth--;
    else if (s[i] === ',' && depth === 0) {
      items.push(s.slice(from, i).trim());
      from = i + 1;
    }
  }
  items.push(s.slice(from).trim());
  return items;
}

function group(item: string): string[] {
  if (item.startsWith('{') && item.endsWith('}')) return item.slice(1, -1).split(',').map((v) => v.trim());
  return [item];
}

function parseLst(text: string, substitute: (s: string) => string): Parsed {
  const p = skipBlanks(text, 4);
  if (text[p] !== '(') return fail("invalid ~LST: expected '(' after ~LST");
  const paren = parenthesised(text, p);
  if (paren === null) return fail("invalid ~LST: missing ')'");
  const items = splitTopLevel(substitute(paren.inner));
  const variables = group(items[0]);
  if (variables.some((v) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v))) {
    return fail(`invalid ~LST: bad variable name in '${items[0]}'`);
  }
  const rows = items.slice(1).map(group);
  if (rows.length === 0) return fail('invalid ~LST: no values');
  const bad = rows.find((r) => r.length !== variables.length);
  if (bad !== undefined) return fail(`invalid ~LST: {${bad.join(', ')}} does not give one value to each of ${variables.join(', ')}`);
  return { repeat: { kind: 'lst', variables, rows, body: paren.body }, error: null };
}

/** Parses a ~SEQ / ~SEQx / ~LST line; `substitute` expands parameters inside the parentheses. */
export function parseRepeat(text: string, substitute: (s: string) => string): Parsed {
  const parsed = text.startsWith('~SEQ') ? parseSeq(text, substitute) : parseLst(text, substitute);
  if (parsed.repeat !== null && repeatCount(parsed.repeat) > MAX_REPEAT) {
    return fail(`${text.slice(0, 4)} would repeat its line ${repeatCount(parsed.repeat)} times (at most ${MAX_REPEAT})`);
  }
  return parsed;
}

/** How many times the body is repeated. */
export function repeatCount(r: Repeat): number {
  if (r.kind === 'lst') return r.rows.length;
  return Math.floor((r.end - r.start) / r.step) + 1;
}

/** The variable assignments of repetition `index` (0-based). */
export function repeatValues(r: Repeat, index: number): Array<[string, string]> {
  if (r.kind === 'lst') return r.variables.map((v, k): [string, string] => [v, r.rows[index][k]]);
  const v = r.start + index * r.step;
  return [[r.variable, r.hex ? v.toString(16) : String(v)]];
}
