// The SMTP reply reader of SMTP_CHECK (checks/smtp.ts). Pure: bytes and the progress of the reply
// being read in, one of three answers out — a complete reply (with the bytes after it), "need more"
// (with the new progress and the unfinished line), or a typed error. It never throws on what a
// server sends.
//
// Syntax (RFC 5321 section 4.2): every line is a three-digit code, then "-" when more lines follow
// or " " (or nothing) on the last line, then text, then CRLF; every line of one reply carries the
// same code (section 4.2.1). Tolerated as the checker always did: a bare LF as line end, a last
// line that is only the code, any three digits (the checker, not the reader, says whether the code
// is the one expected: that failure is 'status', not 'malformed'), and any byte in the text
// (SMTPUTF8 servers, RFC 6531, may send UTF-8; we keep it as latin1, one char per byte).
//
// Bounds: RFC 5321 section 4.5.3.1.5 allows 512 octets a reply line but asks clients not to rely
// on limits, so we accept eight times that; a reply (all its lines) may take 64 KiB, as the old
// buffer did. Beyond either the reply is malformed: endless continuation lines and a line without
// an end cannot make a check wait for its timeout or grow memory without bound.
//
// An error is reported at the first byte that makes it certain (a garbage banner fails on its
// first byte, not at the timeout), and the answer does not depend on how the bytes were split
// into reads: the same bytes, whole or one at a time, give the same reply or the same error
// (test/unit/checks/smtp-reply.test.ts checks that property).
//
// keepalived's check_smtp.c reads into a 512-byte buffer (emptied when full) until it holds a
// newline, and takes the three digits at its start only when a space or the end follows them: a
// multi-line reply ("220-" banners, common) fails its check. We read a multi-line reply to its
// last line and judge its code, as RFC 5321 section 4.2.1 asks of clients.

/** Longest reply line accepted, its CRLF included (RFC 5321's 512, times 8). */
export const MAX_LINE_BYTES = 4096;
/** Most bytes one reply (all its lines) may take. */
export const MAX_REPLY_BYTES = 65536;

export type SmtpReplyErrorCode =
  | 'no_code' // a line does not start with three ASCII digits
  | 'bad_separator' // the code is followed by something other than " ", "-" or the line end
  | 'code_changed' // a line of a multi-line reply has another code than the first
  | 'line_too_long' // more than MAX_LINE_BYTES without a line end
  | 'reply_too_long'; // more than MAX_REPLY_BYTES in one reply (endless continuations)

export const SMTP_REPLY_ERRORS: readonly SmtpReplyErrorCode[] = ['no_code', 'bad_separator', 'code_changed', 'line_too_long', 'reply_too_long'];

export interface SmtpReplyError {
  code: SmtpReplyErrorCode;
  /** The line of the reply (1-based) where it went wrong. */
  line: number;
  /** Human-readable, with the offending bytes escaped. */
  detail: string;
}

export interface SmtpReply {
  /** The three-digit reply code (000-999). */
  code: number;
  /** The text of each line, after the code and its separator, without the line end (latin1). */
  lines: string[];
}

/** The lines already read of a reply that has not ended; immutable (a list linked backwards). */
export interface ReplyProgress {
  /** The code's three digits, '' before the first line. */
  readonly code: string;
  /** Complete lines read. */
  readonly count: number;
  /** Bytes of those lines, line ends included. */
  readonly bytes: number;
  readonly last: TextCell | null;
}

interface TextCell {
  readonly text: string;
  readonly prev: TextCell | null;
}

/** The progress before the first byte of a reply. */
export const REPLY_START: ReplyProgress = { code: '', count: 0, bytes: 0, last: null };

export type ReplyRead =
  /** `rest`: the bytes after the reply (a view of the input), the start of the next one. */
  | { kind: 'reply'; reply: SmtpReply; rest: Buffer }
  /** `rest`: the unfinished line (a view of the input); hand it back with the next bytes. */
  | { kind: 'more'; progress: ReplyProgress; rest: Buffer }
  | { kind: 'error'; error: SmtpReplyError };

const LF = 10;
const CR = 13;
const SP = 32;
const DASH = 45;

function isDigit(b: number): boolean {
  return b >= 48 && b <= 57;
}

/** Printable rendering of up to 80 bytes, for error details. */
function show(buf: Buffer, from: number, to: number): string {
  return JSON.stringify(buf.toString('latin1', from, Math.min(to, from + 80)));
}

/**
 * The first error in the line that starts at `pos`, of which `k` bytes are here (the line end
 * included when it is here), given the progress before it; null if none yet. A function of those
 * bytes only, so a prefix that errs errs the same way whatever follows, and the earliest error
 * wins (the code's checks before the length bounds at the same byte).
 */
function lineError(buf: Buffer, pos: number, k: number, p: ReplyProgress): SmtpReplyError | null {
  const lineNo = p.count + 1;
  // Bytes 0-2: the digits. A line end here means a line too short to carry a code.
  for (let i = 0; i < 3 && i < k; i++) {
    if (!isDigit(buf[pos + i])) return { code: 'no_code', line: lineNo, detail: `line ${lineNo} has no reply code: ${show(buf, pos, pos + k)}` };
  }
  if (k >= 3 && p.count > 0 && (buf[pos] !== p.code.charCodeAt(0) || buf[pos + 1] !== p.code.charCodeAt(1) || buf[pos + 2] !== p.code.charCodeAt(2))) {
    return { code: 'code_changed', line: lineNo, detail: `line ${lineNo} has code ${buf.toString('latin1', pos, pos + 3)} in a ${p.code} reply` };
  }
  // Byte 3: " ", "-", or the line end (LF, or CR then LF).
  if (k >= 4) {
    const sep = buf[pos + 3];
    const badSep = sep === CR ? k >= 5 && buf[pos + 4] !== LF : sep !== SP && sep !== DASH && sep !== LF;
    if (badSep) return { code: 'bad_separator', line: lineNo, detail: `line ${lineNo}: reply code not followed by space or "-": ${show(buf, pos, pos + k)}` };
  }
  // The bounds trip at a byte count: whichever comes first, the line's when they coincide.
  const lineAt = MAX_LINE_BYTES + 1;
  const replyAt = MAX_REPLY_BYTES - p.bytes + 1;
  if (k >= Math.min(lineAt, replyAt)) {
    return lineAt <= replyAt
      ? { code: 'line_too_long', line: lineNo, detail: `line ${lineNo} longer than ${MAX_LINE_BYTES} bytes: ${show(buf, pos, pos + k)}` }
      : { code: 'reply_too_long', line: lineNo, detail: `reply longer than ${MAX_REPLY_BYTES} bytes (${lineNo} lines)` };
  }
  return null;
}

function linesOf(last: TextCell | null, count: number): string[] {
  const out = new Array<string>(count);
  for (let i = count - 1, c = last; i >= 0 && c; i--, c = c.prev) out[i] = c.text;
  return out;
}

/**
 * Reads from `input` (the bytes received since the last answer, the previous `rest` first) the
 * rest of the reply described by `progress`.
 */
export function readReply(input: Buffer, progress: ReplyProgress = REPLY_START): ReplyRead {
  let p = progress;
  let pos = 0;
  for (;;) {
    const nl = input.indexOf(LF, pos);
    const k = (nl < 0 ? input.length : nl + 1) - pos;
    const err = lineError(input, pos, k, p);
    if (err) return { kind: 'error', error: err };
    if (nl < 0) return { kind: 'more', progress: p, rest: input.subarray(pos) };
    // A complete line whose first bytes passed lineError: DDD, then " ", "-", CR LF or LF.
    const end = nl > pos && input[nl - 1] === CR ? nl - 1 : nl;
    const sep = pos + 3 < end ? input[pos + 3] : -1;
    const text = sep < 0 ? '' : input.toString('latin1', pos + 4, end);
    const code = p.count === 0 ? input.toString('latin1', pos, pos + 3) : p.code;
    p = { code, count: p.count + 1, bytes: p.bytes + k, last: { text, prev: p.last } };
    pos = nl + 1;
    if (sep !== DASH) return { kind: 'reply', reply: { code: Number(code), lines: linesOf(p.last, p.count) }, rest: input.subarray(pos) };
  }
}
