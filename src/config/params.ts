// Parameter definitions and substitution, as keepalived.conf(5) "Parameter substitution" describes and
// acassen/keepalived lib/parser.c (check_definition, find_definition, replace_param) implements:
//
//   $NAME=VALUE          defines NAME (no blank before `=`; NAME is [A-Za-z_][A-Za-z0-9_]*);
//                        a VALUE ending in `\` continues on the next lines (multi-line definition)
//   $NAME                replaced when followed by a blank, `,`, `)` or the end of the line
//   ${NAME}              replaced wherever it is (so `${NAME}/x`, never `$NAME/x`)
//
// Substitution is textual, done at use time, and recursive: after a replacement the scan goes on over
// the inserted value, so a value may refer to other parameters (or build a reference with the text
// that follows it). Undefined names are left untouched, so a `$` in a script stays as written.
// A multi-line parameter is only substituted when its reference ends the line; its first line takes
// the reference's place and its other lines follow as lines of their own.
//
// Pre-defined: ${_PWD} (directory of the current file), ${_INSTANCE} (config id), ${_RANDOM [MIN [MAX]]},
// ${_HASH} (`#`) and ${_BANG} (`!`). A definition with the same name overrides them.

/** A defined parameter. `value` holds the lines of a multi-line value joined with `\n`. */
export interface ParamDef {
  name: string;
  value: string;
  multiline: boolean;
  /** For pre-defined parameters: computes the value from the numeric arguments of `${NAME a b}`. */
  compute: ((args: number[]) => string) | null;
  /** How many numeric arguments `${NAME ...}` accepts (only pre-defined parameters take any). */
  maxArgs: number;
}

/** Where substitution gives up: a longer line or more replacements mean a self-referencing value. */
export const MAX_SUBSTITUTED_LENGTH = 65536;
export const MAX_SUBSTITUTIONS_PER_LINE = 1000;

/** What the pre-defined parameters need from the reader. */
export interface ParamContext {
  configId: string | null;
  /** Directory of the file whose line is being read (for ${_PWD}). */
  currentDir: () => string;
  /** A random number in [0, 1) (for ${_RANDOM}). */
  random: () => number;
}

export class ParamTable {
  private readonly defs = new Map<string, ParamDef>();

  constructor(ctx: ParamContext) {
    this.addBuiltin('_PWD', 0, () => ctx.currentDir());
    this.addBuiltin('_INSTANCE', 0, () => ctx.configId ?? '');
    this.addBuiltin('_RANDOM', 2, (args) => randomInRange(args, ctx.random));
    this.addBuiltin('_HASH', 0, () => '#');
    this.addBuiltin('_BANG', 0, () => '!');
  }

  private addBuiltin(name: string, maxArgs: number, compute: (args: number[]) => string): void {
    this.defs.set(name, { name, value: '', multiline: false, compute, maxArgs });
  }

  /** Defines (or redefines, also over a pre-defined name) a parameter. */
  define(name: string, value: string, multiline: boolean): void {
    this.defs.set(name, { name, value, multiline, compute: null, maxArgs: 0 });
  }

  get(name: string): ParamDef | undefined {
    return this.defs.get(name);
  }
}

function randomInRange(args: number[], random: () => number): string {
  const min = args.length > 0 ? args[0] : 0;
  const max = args.length > 1 ? args[1] : 32767;
  if (max < min) return String(min);
  return String(min + Math.floor(random() * (max - min + 1)));
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isNameStart(c: number): boolean {
  return isAlpha(c) || c === 95;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || isDigit(c);
}

/** The end of a parameter name starting at `i` (index of the first character that is not part of it). */
function nameEnd(text: string, i: number): number {
  while (i < text.length && isNameChar(text.charCodeAt(i))) i++;
  return i;
}

/** A `$NAME=VALUE` line: the name, the value after `=` without leading blanks, and whether it continues. */
export interface DefinitionStart {
  name: string;
  value: string;
  continued: boolean;
}

/** Recognises a definition line (already decommented, so it starts with `$` when it is one). */
export function matchDefinition(text: string): DefinitionStart | null {
  if (text.charCodeAt(0) !== 36 || text.length < 2 || !isNameStart(text.charCodeAt(1))) return null;
  const end = nameEnd(text, 2);
  if (end >= text.length || text[end] !== '=') return null;
  let v = end + 1;
  while (v < text.length && (text[v] === ' ' || text[v] === '\t')) v++;
  const first = continuationBody(text.slice(v));
  return { name: text.slice(1, end), value: first.body, continued: first.continued };
}

/** Strips the trailing `\` of a continued line and the blanks before it. */
export function continuationBody(text: string): { body: string; continued: boolean } {
  if (!text.endsWith('\\')) return { body: text, continued: false };
  let end = text.length - 1;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return { body: text.slice(0, end), continued: true };
}

/** A parameter reference found at a `$`. */
interface Reference {
  def: ParamDef;
  /** Index just after the reference. */
  end: number;
  args: number[];
}

/** find_definition(): the reference starting at text[pos] === '$', if it names a usable definition. */
function matchReference(text: string, pos: number, table: ParamTable): Reference | null {
  const n = text.length;
  let p = pos + 1;
  const braced = text.charCodeAt(p) === 123;
  if (braced) p++;
  if (p >= n || !isNameStart(text.charCodeAt(p))) return null;
  const nameStart = p;
  p = nameEnd(text, p);
  const name = text.slice(nameStart, p);
  const args: number[] = [];
  if (braced) {
    // `${_RANDOM 1 10}`: numeric arguments separated by spaces, not ending with a space.
    let lastWasSpace = false;
    let argStart = -1;
    while (p < n && (text[p] === ' ' || isDigit(text.charCodeAt(p)))) {
      if (text[p] === ' ') {
        if (argStart >= 0) args.push(Number(text.slice(argStart, p)));
        argStart = -1;
        lastWasSpace = true;
      } else {
        if (argStart < 0) argStart = p;
        lastWasSpace = false;
      }
      p++;
    }
    if (argStart >= 0) args.push(Number(text.slice(argStart, p)));
    if (args.length > 0 && lastWasSpace) return null;
    if (p >= n || text.charCodeAt(p) !== 125) return null;
    p++;
  } else if (p < n) {
    const t = text[p];
    if (t !== ' ' && t !== '\t' && t !== ',' && t !== ')') return null;
  }
  const def = table.get(name);
  if (def === undefined) return null;
  if (def.multiline && p !== n) return null;
  if (args.length > 0 && args.length > def.maxArgs) return null;
  return { def, end: p, args };
}

/** The outcome of substituting one line. */
export interface Substitution {
  /** The line after substitution. */
  text: string;
  /** Whether anything was replaced. */
  changed: boolean;
  /** Lines that follow the substituted line: the other lines of multi-line values, in order. */
  following: string[];
  /** Set when substitution was abandoned (the value refers to itself without end). */
  error: string | null;
}

/** replace_param(): substitutes every defined parameter of `text`, rescanning inserted values. */
export function substitute(text: string, table: ParamTable): Substitution {
  let buf = text;
  let pos = buf.indexOf('$');
  let count = 0;
  let changed = false;
  // Rest lines of multi-line values; a later (nested) value's rest comes before an earlier one's.
  let following: string[] = [];
  while (pos !== -1 && pos + 1 < buf.length) {
    const ref = matchReference(buf, pos, table);
    if (ref === null) {
      pos = buf.indexOf('$', pos + 1);
      continue;
    }
    if (++count > MAX_SUBSTITUTIONS_PER_LINE) {
      return { text, changed: false, following: [], error: `parameter substitution repeated more than ${MAX_SUBSTITUTIONS_PER_LINE} times (a parameter refers to itself?)` };
    }
    const value = ref.def.compute !== null ? ref.def.compute(ref.args) : ref.def.value;
    let replacement = value;
    if (ref.def.multiline) {
      const nl = value.indexOf('\n');
      if (nl !== -1) {
        replacement = value.slice(0, nl);
        following = value.slice(nl + 1).split('\n').concat(following);
      }
    }
    buf = buf.slice(0, pos) + replacement + buf.slice(ref.end);
    changed = true;
    if (buf.length > MAX_SUBSTITUTED_LENGTH) {
      return { text, changed: false, following: [], error: `parameter substitution makes the line longer than ${MAX_SUBSTITUTED_LENGTH} characters (a parameter refers to itself?)` };
    }
    // keepalived stops at a value that is a ~SEQ/~LST block: the block is expanded later.
    if (value.trimStart().startsWith('~')) break;
    pos = buf.indexOf('$', pos);
  }
  return { text: buf, changed, following, error: null };
}
