// `include PATTERN`, keepalived's textual include (acassen/keepalived lib/parser.c check_include(),
// read_conf_file()):
//
//   - allowed at any level, also inside a block: the files' lines take the place of the include line;
//   - PATTERN is relative to the directory of the INCLUDING file (keepalived chdir()s there), or absolute;
//   - brace alternatives and wildcards as in glob.ts; each alternative's matches sorted;
//   - a pattern that matches nothing is not an error (keepalived only logs "No config files matched"),
//     nor is a match that is a directory, an executable or not a regular file (keepalived skips it);
//     the variants includer/includem/includew/includeb/includea make those errors (see includeChecks);
//   - the pattern is the rest of the line (keepalived 2.2.7 check_include()), so it may hold blanks.
// keepalived itself has neither a loop check nor a depth bound: the reader (reader.ts) reports a file
// that includes itself, directly or not, as an error at the include line, and bounds the depth.

import { isAbsolute, resolve } from 'node:path';
import type { ConfigFs } from './config-fs.ts';
import { expandBraces, globPath, hasWildcards } from './glob.ts';

/** glob(3) refuses longer patterns (PATH_MAX); so do we, which also bounds brace expansion work. */
export const MAX_PATTERN_LENGTH = 4096;

/** The default bound on include nesting (keepalived has none; a loop is caught before this). */
export const DEFAULT_MAX_INCLUDE_DEPTH = 32;

/** The files an include pattern names, in include order, and what did not match. */
export interface ResolvedInclude {
  files: string[];
  /** Matches that are not readable config files (directories included). */
  skipped: Array<{ path: string; kind: 'dir' | 'executable' | 'other' }>;
  /** Brace alternatives that matched nothing, and whether each had wildcards. */
  unmatched: Array<{ pattern: string; wildcards: boolean }>;
  /** Whether the pattern had brace alternatives. */
  braces: boolean;
}

/** Resolves `pattern` written in a file of directory `baseDir`. */
export function resolveInclude(pattern: string, baseDir: string, fs: ConfigFs): ResolvedInclude {
  const out: ResolvedInclude = { files: [], skipped: [], unmatched: [], braces: false };
  const alternatives = expandBraces(pattern);
  out.braces = alternatives.length > 1 || alternatives[0] !== pattern;
  for (const alt of alternatives) {
    const absolute = isAbsolute(alt) ? alt : resolve(baseDir, alt);
    const matches = globPath(absolute, fs);
    if (matches.length === 0) out.unmatched.push({ pattern: alt, wildcards: hasWildcards(alt) });
    for (const path of matches) {
      const kind = fs.kind(path);
      if (kind === 'file') out.files.push(path);
      else if (kind !== 'missing') out.skipped.push({ path, kind });
    }
  }
  return out;
}

/**
 * keepalived 2.2.7's include variants: which problems are errors instead of log lines.
 *   r: a match that is not a readable regular non-executable file (includer)
 *   m: nothing matches a pattern without wildcards (includem)
 *   w: nothing matches, even with wildcards (includew)
 *   b: a brace alternative matches nothing (includeb)
 * `includea` is all four, `includew` is r+m+w, `includem` r+m, `includeb` r+b, plain `include` none.
 */
export interface IncludeChecks {
  readable: boolean;
  match: boolean;
  wildcardMatch: boolean;
  braceMatch: boolean;
}

export function includeChecks(variant: string): IncludeChecks {
  const none = { readable: false, match: false, wildcardMatch: false, braceMatch: false };
  switch (variant) {
    case 'r':
      return { ...none, readable: true };
    case 'm':
      return { ...none, readable: true, match: true };
    case 'w':
      return { ...none, readable: true, match: true, wildcardMatch: true };
    case 'b':
      return { ...none, readable: true, braceMatch: true };
    case 'a':
      return { readable: true, match: true, wildcardMatch: true, braceMatch: true };
    default:
      return none;
  }
}

/**
 * An include line: `include`, `includer`, `includem`, `includew`, `includeb` or `includea`, blanks,
 * then the pattern, which keepalived 2.2.7 takes as the rest of the line (so it may hold blanks).
 * A pattern wholly in quotes is unquoted. Returns null when the line is not an include line.
 */
export function parseIncludeLine(text: string): { variant: string; pattern: string } | null {
  if (!text.startsWith('include')) return null;
  let p = 7;
  let variant = '';
  if (p < text.length && 'rmwba'.includes(text[p]) && (text[p + 1] === ' ' || text[p + 1] === '\t')) variant = text[p++];
  if (p < text.length && text[p] !== ' ' && text[p] !== '\t') return null;
  while (p < text.length && (text[p] === ' ' || text[p] === '\t')) p++;
  let pattern = text.slice(p);
  const q = pattern[0];
  if (pattern.length >= 2 && (q === '"' || q === "'") && pattern.endsWith(q)) pattern = pattern.slice(1, -1);
  return { variant, pattern };
}

/**
 * When `candidate` (canonical path) is already being read, the include chain from its first reading
 * to the new include of it, e.g. [a.conf, b.conf, a.conf]; otherwise null.
 */
export function includeCycle(openFiles: readonly string[], candidate: string): string[] | null {
  const at = openFiles.indexOf(candidate);
  return at === -1 ? null : [...openFiles.slice(at), candidate];
}
