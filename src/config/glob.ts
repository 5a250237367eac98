// Path patterns of `include`, as keepalived resolves them with glob(3) and GLOB_BRACE | GLOB_MARK
// (acassen/keepalived lib/parser.c read_conf_file()):
//
//   - csh brace expansion first: `d/{b,a}.conf` is `d/b.conf` then `d/a.conf`, nested groups allowed;
//     each alternative is globbed on its own and their results are concatenated in brace order;
//   - then `*`, `?` and `[...]` (`[!...]` / `[^...]` negated, `a-z` ranges) per path component; they
//     never match `/`, and a leading `.` of a name must be matched literally;
//   - the matches of one alternative are sorted (byte order, as glob(3) in the C locale);
//   - an alternative without wildcards yields its path only if it exists.

import { join } from 'node:path';
import type { ConfigFs } from './config-fs.ts';

/** Brace expansion stops here: more alternatives than this only come from a typo (or a fuzzer). */
export const MAX_BRACE_ALTERNATIVES = 1024;

/** Index of the `}` closing the `{` at `open`, or -1. */
function closingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** The comma-separated alternatives of `{...}` (commas of nested groups excluded). */
function alternatives(inner: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '{') depth++;
    else if (inner[i] === '}') depth--;
    else if (inner[i] === ',' && depth === 0) {
      out.push(inner.slice(from, i));
      from = i + 1;
    }
  }
  out.push(inner.slice(from));
  return out;
}

/** csh-style brace expansion; an unmatched `{` is literal. At most MAX_BRACE_ALTERNATIVES results. */
export function expandBraces(pattern: string): string[] {
  const out: string[] = [];
  const work = [pattern];
  // Depth-first, so the results keep the written order.
  while (work.length > 0 && out.length < MAX_BRACE_ALTERNATIVES) {
    const p = work.pop() as string;
    let open = p.indexOf('{');
    let close = -1;
    while (open !== -1) {
      close = closingBrace(p, open);
      if (close !== -1) break;
      open = p.indexOf('{', open + 1);
    }
    if (open === -1) {
      out.push(p);
      continue;
    }
    const prefix = p.slice(0, open);
    const suffix = p.slice(close + 1);
    const alts = alternatives(p.slice(open + 1, close));
    for (let k = alts.length - 1; k >= 0; k--) work.push(prefix + alts[k] + suffix);
  }
  return out;
}

/** Whether a pattern has glob wildcards. */
export function hasWildcards(s: string): boolean {
  return s.includes('*') || s.includes('?') || s.includes('[');
}

/** Matches a `[...]` class at pattern[p] (p at `[`) against `ch`: the end index and whether it matched. */
function matchClass(pattern: string, p: number, ch: string): { next: number; matched: boolean } | null {
  let i = p + 1;
  const negated = pattern[i] === '!' || pattern[i] === '^';
  if (negated) i++;
  let matched = false;
  let first = true;
  while (i < pattern.length && (pattern[i] !== ']' || first)) {
    first = false;
    const lo = pattern[i];
    if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      if (ch >= lo && ch <= pattern[i + 2]) matched = true;
      i += 3;
    } else {
      if (ch === lo) matched = true;
      i++;
    }
  }
  if (i >= pattern.length) return null; // no closing `]`: the `[` is literal
  return { next: i + 1, matched: matched !== negated };
}

/** fnmatch(3) of one path component, without FNM_PERIOD subtleties beyond the leading dot. */
export function matchName(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  let p = 0;
  let n = 0;
  let starP = -1;
  let starN = 0;
  // Iterative matching with one backtrack point: linear in practice, never exponential.
  while (n < name.length) {
    if (p < pattern.length) {
      const c = pattern[p];
      if (c === '*') {
        starP = p++;
        starN = n;
        continue;
      }
      if (c === '?') {
        p++;
        n++;
        continue;
      }
      if (c === '[') {
        const cls = matchClass(pattern, p, name[n]);
        if (cls === null ? name[n] === '[' : cls.matched) {
          p = cls === null ? p + 1 : cls.next;
          n++;
          continue;
        }
      } else if (c === name[n]) {
        p++;
        n++;
        continue;
      }
    }
    if (starP === -1) return false;
    p = starP + 1;
    n = ++starN;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** glob(3) of one absolute pattern (no braces): the matching paths, sorted. */
export function globPath(pattern: string, fs: ConfigFs): string[] {
  if (!hasWildcards(pattern)) return fs.kind(pattern) === 'missing' ? [] : [pattern];
  const parts = pattern.split('/');
  let current = [parts[0] === '' ? '/' : parts[0]];
  for (let k = 1; k < parts.length; k++) {
    const part = parts[k];
    if (part === '') continue;
    const next: string[] = [];
    for (const dir of current) {
      if (!hasWildcards(part)) {
        next.push(join(dir, part));
        continue;
      }
      let names: string[];
      try {
        names = fs.readDir(dir);
      } catch {
        continue; // not a directory, or unreadable: no match there, as glob(3) without GLOB_ERR
      }
      for (const name of names) if (matchName(part, name)) next.push(join(dir, name));
    }
    current = next;
  }
  return current.filter((p) => fs.kind(p) !== 'missing').sort(byteOrder);
}
