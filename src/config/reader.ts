// The line reader: turns the root text and everything it includes into token lines tagged with the
// file and line they were written at, applying keepalived's line rewriting in keepalived's order
// (acassen/keepalived lib/parser.c read_line()), for each line:
//
//   1. decomment (lexer.ts); blank lines are skipped;
//   2. `@ID` / `@^ID` conditional prefix (conditional.ts);
//   3. `$NAME=VALUE` definition, with its continuation lines (params.ts) — the line is consumed;
//   4. `~SEQ(...)` / `~LST(...)` block (sequence.ts) — its body is read again once per value;
//   5. parameter substitution (params.ts); when something was replaced and the result starts with `@`
//      or still has a `$`, steps 2-5 run again on it;
//   6. `include PATTERN` (and includer/m/w/b/a) starting the line (include.ts) — the files' lines
//      come next;
//   7. otherwise the tokens go to the tree builder (tree.ts).
//
// Lines come from a stack of sources (files, the other lines of multi-line values, repeated blocks,
// the files of one include), so nothing recurses and an include chain is just the files on the stack.
// Lines made by expansion keep the file and line of the line that caused them, as in keepalived.

import { dirname, resolve } from 'node:path';
import type { Diagnostic } from './ast.ts';
import type { ConfigFs } from './config-fs.ts';
import { applyConditional } from './conditional.ts';
import { MAX_PATTERN_LENGTH, includeChecks, includeCycle, parseIncludeLine, resolveInclude } from './include.ts';
import type { IncludeChecks } from './include.ts';
import { decommentLine, splitPhysicalLines, tokenizeLine } from './lexer.ts';
import type { Token } from './lexer.ts';
import { ParamTable, continuationBody, matchDefinition, substitute } from './params.ts';
import { isRepeatLine, parseRepeat, repeatCount, repeatValues } from './sequence.ts';
import type { Repeat } from './sequence.ts';

/** Where the reader sends each logical line. */
export type LineSink = (tokens: Token[], file: string, line: number) => void;

export interface ReaderOptions {
  configId: string | null;
  fs: ConfigFs;
  maxIncludeDepth: number;
  /** Bound on the lines made by ~SEQ/~LST and multi-line parameters (a self-referencing value). */
  maxGeneratedLines: number;
  random: () => number;
}

/** The default bound on generated lines: keepalived's own 65024-instance example stays below it. */
export const DEFAULT_MAX_GENERATED_LINES = 2_000_000;

/** Rounds of steps 2-5 on one line; only a value that rewrites itself forever needs more. */
const MAX_REWRITE_ROUNDS = 64;

interface Origin {
  file: string;
  dir: string;
  line: number;
}

type Source =
  | { kind: 'file'; file: string; dir: string; canonical: string; lines: string[]; next: number }
  | { kind: 'lines'; at: Origin; texts: string[]; next: number }
  | { kind: 'repeat'; at: Origin; repeat: Repeat; count: number; next: number }
  | { kind: 'include'; at: Origin; paths: string[]; next: number; checks: IncludeChecks };

/** One line to process, and the source it came from (for a definition's continuation lines). */
interface Item extends Origin {
  text: string;
  source: Source;
}

/** Whether a segment of a line with braces starts with `include` (which keepalived would not read). */
function includeBesideBrace(tokens: readonly Token[]): boolean {
  if (tokens.every((t) => t.kind === 'word')) return false;
  let segmentStart = true;
  for (const t of tokens) {
    if (t.kind !== 'word') segmentStart = true;
    else if (segmentStart && t.text === 'include') return true;
    else segmentStart = false;
  }
  return false;
}

function originOf(o: Origin): Origin {
  return { file: o.file, dir: o.dir, line: o.line };
}

export class Reader {
  readonly diagnostics: Diagnostic[];
  /** Every file read, in first-read order. */
  readonly files: string[] = [];
  private readonly seen = new Set<string>();
  private readonly stack: Source[] = [];
  private readonly params: ParamTable;
  private readonly opts: ReaderOptions;
  private readonly sink: LineSink;
  private pwd = '';
  private generated = 0;
  private budgetReported = false;

  constructor(opts: ReaderOptions, sink: LineSink, diagnostics: Diagnostic[]) {
    this.opts = opts;
    this.sink = sink;
    this.diagnostics = diagnostics;
    this.params = new ParamTable({ configId: opts.configId, currentDir: () => this.pwd, random: opts.random });
  }

  private report(severity: Diagnostic['severity'], at: Origin, message: string): void {
    this.diagnostics.push({ severity, file: at.file, line: at.line, message });
  }

  /** Reads `text` as the content of `file` (and everything it includes). */
  readText(text: string, file: string, canonical: string): void {
    this.pushFile(text, file, canonical);
    this.run();
  }

  private pushFile(text: string, file: string, canonical: string): void {
    if (!this.seen.has(file)) {
      this.seen.add(file);
      this.files.push(file);
    }
    this.stack.push({ kind: 'file', file, dir: dirname(resolve(file)), canonical, lines: splitPhysicalLines(text), next: 0 });
  }

  private run(): void {
    for (let item = this.pull(); item !== null; item = this.pull()) this.process(item);
  }

  /** The next line to process, or null at the end of the root text. */
  private pull(): Item | null {
    while (this.stack.length > 0) {
      const src = this.stack[this.stack.length - 1];
      if (src.kind === 'file') {
        if (src.next >= src.lines.length) {
          this.stack.pop();
          continue;
        }
        const line = ++src.next;
        const text = decommentLine(src.lines[line - 1]);
        if (text !== '') return { text, file: src.file, dir: src.dir, line, source: src };
        continue;
      }
      if (src.kind === 'include') {
        if (src.next >= src.paths.length) this.stack.pop();
        else this.openIncluded(src.paths[src.next++], src.at, src.checks);
        continue;
      }
      if (src.next >= (src.kind === 'lines' ? src.texts.length : src.count) || !this.spend(src.at)) {
        this.stack.pop();
        continue;
      }
      const index = src.next++;
      let text: string;
      if (src.kind === 'lines') text = src.texts[index];
      else {
        for (const [name, value] of repeatValues(src.repeat, index)) this.params.define(name, value, false);
        text = src.repeat.body;
      }
      // Drop a finished source now, so that a value expanding itself does not pile up sources.
      if (src.next >= (src.kind === 'lines' ? src.texts.length : src.count)) this.stack.pop();
      if (text !== '') return { ...src.at, text, source: src };
    }
    return null;
  }

  /** Counts one generated line against the budget; false (reported once) when it is spent. */
  private spend(at: Origin): boolean {
    if (++this.generated <= this.opts.maxGeneratedLines) return true;
    if (!this.budgetReported) {
      this.budgetReported = true;
      this.report('error', at, `~SEQ/~LST blocks and multi-line parameters made more than ${this.opts.maxGeneratedLines} lines (a parameter that expands to itself?) - expansion stopped`);
    }
    return false;
  }

  private process(item: Item): void {
    let text = item.text;
    this.pwd = item.dir;
    for (let round = 0; ; round++) {
      if (round >= MAX_REWRITE_ROUNDS) {
        this.report('error', item, `line still rewritten after ${MAX_REWRITE_ROUNDS} rounds of parameter substitution - ignoring it`);
        return;
      }
      if (text.charCodeAt(0) === 64) {
        const kept = applyConditional(text, this.opts.configId);
        if (kept === null || kept === '') return;
        text = kept;
      }
      if (text.charCodeAt(0) === 36) {
        const def = matchDefinition(text);
        if (def !== null) {
          this.define(def.name, def.value, def.continued, item);
          return;
        }
      }
      if (isRepeatLine(text)) {
        this.startRepeat(text, item);
        return;
      }
      if (text.charCodeAt(0) === 126 || !text.includes('$')) break;
      const s = substitute(text, this.params);
      if (s.error !== null) {
        this.report('error', item, `${s.error} - ignoring the line`);
        return;
      }
      if (s.following.length > 0) this.stack.push({ kind: 'lines', at: originOf(item), texts: s.following, next: 0 });
      if (!s.changed) break;
      text = s.text;
      if (text.charCodeAt(0) !== 64 && !text.includes('$')) break;
    }
    this.emit(text, item);
  }

  /** Stores a `$NAME=VALUE` definition, reading its continuation lines from the same source. */
  private define(name: string, first: string, continued: boolean, item: Item): void {
    const lines: string[] = first !== '' ? [first] : [];
    const src = item.source;
    if (continued && this.stack[this.stack.length - 1] === src && (src.kind === 'file' || src.kind === 'lines')) {
      // keepalived ends the value at a line without `\`, at a blank line and at a comment-only line.
      for (;;) {
        let text: string;
        if (src.kind === 'file') {
          if (src.next >= src.lines.length) break;
          text = decommentLine(src.lines[src.next++]);
        } else {
          if (src.next >= src.texts.length) break;
          text = src.texts[src.next++];
        }
        if (text === '') break;
        const c = continuationBody(text);
        if (c.body !== '') lines.push(c.body);
        if (!c.continued) break;
      }
    }
    this.params.define(name, lines.join('\n'), continued && lines.length > 0);
  }

  private startRepeat(text: string, item: Item): void {
    const parsed = parseRepeat(text, (s) => substitute(s, this.params).text);
    if (parsed.repeat === null) {
      this.report('error', item, parsed.error);
      return;
    }
    this.stack.push({ kind: 'repeat', at: originOf(item), repeat: parsed.repeat, count: repeatCount(parsed.repeat), next: 0 });
  }

  private emit(text: string, item: Item): void {
    // keepalived's check_include() looks at the whole line before it is cut at braces, so a pattern
    // keeps its csh braces: `include conf.d/{a,b}.conf`.
    const inc = parseIncludeLine(text);
    if (inc !== null) {
      if (inc.pattern === '') this.report('error', item, 'include needs a file pattern - ignoring it');
      else this.include(inc.pattern, includeChecks(inc.variant), item);
      return;
    }
    const t = tokenizeLine(text);
    if (t.error !== null) this.report('error', item, t.error);
    if (t.tokens.length === 0) return;
    if (includeBesideBrace(t.tokens)) {
      this.report('error', item, "include must be on a line of its own (keepalived does not read it after '{' or '}')");
    }
    this.sink(t.tokens, item.file, item.line);
  }

  private include(pattern: string, checks: IncludeChecks, at: Origin): void {
    if (pattern.length > MAX_PATTERN_LENGTH) {
      this.report('error', at, `include pattern longer than ${MAX_PATTERN_LENGTH} characters - ignoring it`);
      return;
    }
    const r = resolveInclude(pattern, at.dir, this.opts.fs);
    const severity = (isError: boolean): Diagnostic['severity'] => (isError ? 'error' : 'warning');
    for (const s of r.skipped) {
      // Directories matched by a wildcard are routine (conf.d/*); only includer & co. mention them.
      if (s.kind === 'dir' && !checks.readable) continue;
      const why = s.kind === 'dir' ? 'is a directory' : s.kind === 'executable' ? 'is executable (keepalived skips executable config files)' : 'is not a regular file';
      this.report(severity(checks.readable), at, `include ${pattern}: skipping ${s.path}: it ${why}`);
    }
    if (r.files.length === 0 && r.skipped.length === 0) {
      if (r.unmatched.every((u) => u.wildcards)) {
        this.report(severity(checks.wildcardMatch), at, `include ${pattern}: no file matches (keepalived ignores it)`);
      } else {
        this.report(severity(r.braces ? checks.braceMatch : checks.match), at, `include ${pattern}: no such file (keepalived ignores it)`);
      }
      return;
    }
    if (r.unmatched.length > 0) {
      const missing = r.unmatched.map((u) => u.pattern).join(', ');
      this.report(severity(checks.braceMatch), at, `include ${pattern}: nothing matches ${missing}`);
    }
    if (r.files.length > 0) this.stack.push({ kind: 'include', at: originOf(at), paths: r.files, next: 0, checks });
  }

  private openIncluded(path: string, at: Origin, checks: IncludeChecks): void {
    const chain: string[] = [];
    const names: string[] = [];
    for (const s of this.stack) {
      if (s.kind === 'file') {
        chain.push(s.canonical);
        names.push(s.file);
      }
    }
    let canonical: string;
    try {
      canonical = this.opts.fs.canonical(path);
    } catch {
      canonical = path;
    }
    const cycle = includeCycle(chain, canonical);
    if (cycle !== null) {
      const shown = [...names.slice(names.length - (cycle.length - 1)), path];
      this.report('error', at, `include loop: ${shown.join(' -> ')} - not including ${path} again`);
      return;
    }
    if (chain.length > this.opts.maxIncludeDepth) {
      this.report('error', at, `includes nested more than ${this.opts.maxIncludeDepth} deep - not including ${path}`);
      return;
    }
    let text: string;
    try {
      text = this.opts.fs.readFile(path);
    } catch (e) {
      this.report(checks.readable ? 'error' : 'warning', at, `include: cannot read ${path}: ${(e as Error).message ?? String(e)} - skipping it`);
      return;
    }
    this.pushFile(text, path, canonical);
  }
}
