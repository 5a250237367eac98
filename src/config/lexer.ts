// The lexer of keepalived.conf: one physical line at a time, in two steps that mirror keepalived's
// own reader (acassen/keepalived lib/parser.c):
//
//   1. decommentLine()  — `decomment()`: cut a `#` or `!` comment that is outside quotes, strip the
//      leading and trailing blanks. A trailing `\` is kept: it marks a multi-line `$NAME=` definition.
//   2. tokenizeLine()   — after conditional (@ID) filtering and parameter substitution have rewritten
//      the text, split it into words, with `{` and `}` as tokens of their own even when glued to a
//      word (`url{`, `}}`), as keepalived's read_line() splits lines at every brace outside quotes.
//
// Words follow the documented "Quoted strings" rules (keepalived.conf(5); `alloc_strvec_quoted_escaped`):
// `"..."` and `'...'` keep inner whitespace and may be glued to unquoted text (`ab"c d"e` is the one
// word `abc de`); `\a \b \E \f \n \r \t \v`, `\nnn` (1 to 3 octal digits), `\xH...` (any number of hex
// digits, low 8 bits kept) and `\cC` (control character) are resolved, and `\C` is C itself.
//
// Deliberate differences from keepalived 2.2.7, which splits ordinary keyword lines with the simpler
// `alloc_strvec_r` (only `"` quotes, no escapes) and uses the quoted/escaped rules only for scripts:
//   - `'` is a quote everywhere, also for comments and braces (keepalived ignores `'` there), so an
//     unquoted word with a lone apostrophe is an "unterminated quote" error — write it in `"..."`;
//   - escapes are resolved in every word; `\{` and `\}` are literal braces, `\#` and `\!` literal
//     comment characters (keepalived also accepts those two outside quotes);
//   - `\xHH` yields the character with that code (the file is read as UTF-8, not as bytes).
// The model builder can split a script string with splitWords(text, false) the same way.

/** One token of a line: a word (quotes removed, escapes resolved) or a block brace. */
export type Token = { kind: 'word'; text: string } | { kind: 'open' } | { kind: 'close' };

/** The tokens of one line and, when the line is malformed, why (the tokens are still usable). */
export interface TokenizedLine {
  tokens: Token[];
  error: string | null;
}

/** A line of a text as the lexer sees it, before any include, @ID or $NAME processing. */
export interface LexedLine {
  /** 1-based line number in the text. */
  line: number;
  tokens: Token[];
  error: string | null;
}

const CH_TAB = 9;
const CH_LF = 10;
const CH_VT = 11;
const CH_FF = 12;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_BANG = 33;
const CH_DQUOTE = 34;
const CH_HASH = 35;
const CH_SQUOTE = 39;
const CH_BACKSLASH = 92;
const CH_LBRACE = 123;
const CH_RBRACE = 125;

/** keepalived's WHITE_SPACE set: " \t\f\n\r\v". */
export function isWhite(c: number): boolean {
  return c === CH_SPACE || (c >= CH_TAB && c <= CH_CR);
}

function isBlank(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB || c === CH_CR;
}

/**
 * Removes a `#` or `!` comment (outside quotes) and the surrounding blanks. A backslash protects the
 * next character, so `\#` and `\"` neither start a comment nor open a quote. An unterminated quote is
 * not reported here (tokenizeLine() reports it): the rest of the line is then inside the quote.
 */
export function decommentLine(raw: string): string {
  const n = raw.length;
  let quote = 0;
  let end = n;
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c === CH_BACKSLASH) {
      i++;
      continue;
    }
    if (quote !== 0) {
      if (c === quote) quote = 0;
      continue;
    }
    if (c === CH_DQUOTE || c === CH_SQUOTE) quote = c;
    else if (c === CH_HASH || c === CH_BANG) {
      end = i;
      break;
    }
  }
  let start = 0;
  while (start < end && isBlank(raw.charCodeAt(start))) start++;
  while (end > start && isBlank(raw.charCodeAt(end - 1))) end--;
  return start === 0 && end === n ? raw : raw.slice(start, end);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function isOctal(c: number): boolean {
  return c >= 48 && c <= 55;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/**
 * Decodes the escape whose backslash is at text[i]; returns the character and the index after it.
 * A backslash at the very end of the line stands for itself (keepalived 2.2.7 keeps it in the word).
 */
export function decodeEscape(text: string, i: number): { ch: string; next: number } {
  const n = text.length;
  if (i + 1 >= n) return { ch: '\\', next: i + 1 };
  const d = text[i + 1];
  let j = i + 2;
  if (d === 'x' && j < n && hexValue(text.charCodeAt(j)) >= 0) {
    let v = 0;
    while (j < n && hexValue(text.charCodeAt(j)) >= 0) {
      v = ((v << 4) | hexValue(text.charCodeAt(j))) & 0xff;
      j++;
    }
    return { ch: String.fromCharCode(v), next: j };
  }
  if (d === 'c' && j < n) return { ch: String.fromCharCode(text.charCodeAt(j) & 0x1f), next: j + 1 };
  if (isOctal(text.charCodeAt(i + 1))) {
    let v = text.charCodeAt(i + 1) - 48;
    for (let k = 0; k < 2 && j < n && isOctal(text.charCodeAt(j)); k++, j++) v = (v * 8 + text.charCodeAt(j) - 48) & 0xff;
    return { ch: String.fromCharCode(v), next: j };
  }
  return { ch: SIMPLE_ESCAPES[d] ?? d, next: j };
}

/**
 * Splits a decommented line into words and, when `braces` is true, `{` / `}` tokens.
 * With `braces` false this is the splitter for script command strings (`notify "/x.sh 'a b'"`).
 */
export function splitWords(text: string, braces: boolean): TokenizedLine {
  const tokens: Token[] = [];
  let error: string | null = null;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isWhite(c)) {
      i++;
      continue;
    }
    if (braces && (c === CH_LBRACE || c === CH_RBRACE)) {
      tokens.push(c === CH_LBRACE ? { kind: 'open' } : { kind: 'close' });
      i++;
      continue;
    }
    // One word: unquoted runs, quoted runs and escapes glued together.
    let word = '';
    let runStart = i;
    let quote = 0;
    while (i < n) {
      const w = text.charCodeAt(i);
      if (w === CH_BACKSLASH) {
        word += text.slice(runStart, i);
        const esc = decodeEscape(text, i);
        word += esc.ch;
        i = esc.next;
        runStart = i;
        continue;
      }
      if (quote !== 0) {
        if (w === quote) {
          word += text.slice(runStart, i);
          quote = 0;
          runStart = ++i;
        } else i++;
        continue;
      }
      if (isWhite(w) || (braces && (w === CH_LBRACE || w === CH_RBRACE))) break;
      if (w === CH_DQUOTE || w === CH_SQUOTE) {
        word += text.slice(runStart, i);
        quote = w;
        runStart = ++i;
        continue;
      }
      i++;
    }
    word += text.slice(runStart, i);
    if (quote !== 0 && error === null) error = `unterminated quote: missing closing ${String.fromCharCode(quote)}`;
    tokens.push({ kind: 'word', text: word });
  }
  return { tokens, error };
}

/** Tokenizes one already decommented (and substituted) line of keepalived.conf. */
export function tokenizeLine(text: string): TokenizedLine {
  return splitWords(text, true);
}

/**
 * Lexes a whole text without include, @ID or $NAME processing: one entry per line that has tokens.
 * Linear in the size of the text (one pass per line, no regular expression over the whole text).
 */
export function lexText(text: string): LexedLine[] {
  const out: LexedLine[] = [];
  let lineNo = 0;
  let pos = 0;
  const n = text.length;
  while (pos <= n) {
    let eol = text.indexOf('\n', pos);
    if (eol === -1) eol = n;
    lineNo++;
    const body = decommentLine(text.slice(pos, eol));
    if (body.length > 0) {
      const t = tokenizeLine(body);
      if (t.tokens.length > 0 || t.error !== null) out.push({ line: lineNo, tokens: t.tokens, error: t.error });
    }
    pos = eol + 1;
  }
  return out;
}

/** Splits a text into physical lines without the line terminators (`\n`; a `\r` before it is a blank). */
export function splitPhysicalLines(text: string): string[] {
  const lines = text.split('\n');
  // A final newline does not start another line.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
