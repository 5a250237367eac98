// An incremental HTTP/1.x response reader for the health-check probe (checks/http-lite.ts):
// status line, header block, and the body framed by Content-Length, chunked transfer coding or
// the end of the connection (RFC 9112 section 6.3). Pure: bytes in, state out; it never throws
// on what a server sends, it moves to 'error' with a reason and a readable detail.
//
// It reads only what a check needs: without a body sink it stops at the end of the header block
// (the status decides, as keepalived's check_http.c does without `digest`); with one it hands
// the de-chunked body bytes to the sink (the MD5 of keepalived's `digest`) and ends at the
// body's end. Chunk extensions and trailers are skipped. Chunks may arrive split anywhere,
// including inside the size line and the CRLF after the data.
//
// push() may be given a view into a buffer that is reused after it returns (node:net `onread`);
// nothing here keeps a reference to it: a partial header block is copied.

export type ResponseState = 'head' | 'body' | 'done' | 'error';

export interface ResponseReaderOptions {
  /** Receives the body bytes (a view valid only during the call). Without it: stop after the head. */
  onBody?: (bytes: Buffer) => void;
  /** Bound on the status line + header block (default 64 KiB). */
  maxHeadBytes?: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const MAX_CHUNK_LINE = 1024;
/** 2^48: any larger chunk size is nonsense for a check (and stays exact in a double). */
const MAX_CHUNK_SIZE = 2 ** 48;

type BodyMode = 'length' | 'chunked' | 'close';
// chunked decoder states
const C_SIZE = 0; // hex digits of the size
const C_EXT = 1; // after the digits: extension / whitespace up to LF
const C_DATA = 2;
const C_DATA_CR = 3; // CR (or bare LF) after the data
const C_DATA_LF = 4;

export class ResponseReader {
  state: ResponseState = 'head';
  /** The status code once the status line has been read (0 before). */
  status = 0;
  /** Body bytes handed to the sink. */
  bodyBytes = 0;
  /** Why state is 'error': 'malformed' (not HTTP) or 'reset' (closed too early). */
  errorReason: 'malformed' | 'reset' = 'malformed';
  errorDetail = '';

  private readonly onBody?: (bytes: Buffer) => void;
  private readonly maxHead: number;
  private pending: Buffer | null = null;
  private mode: BodyMode = 'close';
  private remaining = 0;
  private cstate = C_SIZE;
  private csize = 0;
  private cdigits = 0;
  private clineLen = 0;

  constructor(opts: ResponseReaderOptions = {}) {
    this.onBody = opts.onBody;
    this.maxHead = opts.maxHeadBytes ?? 64 * 1024;
  }

  /** Feeds received bytes; returns the new state. */
  push(chunk: Buffer): ResponseState {
    if (this.state === 'head') this.head(chunk);
    else if (this.state === 'body') this.body(chunk, 0);
    return this.state;
  }

  /** The peer closed the connection; returns the final state. */
  end(): ResponseState {
    if (this.state === 'head') {
      this.fail('reset', this.pending ? 'connection closed inside the response header' : 'connection closed without a response');
    } else if (this.state === 'body') {
      if (this.mode === 'close') this.state = 'done';
      else this.fail('reset', 'connection closed before the end of the body');
    }
    return this.state;
  }

  private fail(reason: 'malformed' | 'reset', detail: string): void {
    this.state = 'error';
    this.errorReason = reason;
    this.errorDetail = detail;
  }

  private head(chunk: Buffer): void {
    let buf: Buffer;
    let from = 0;
    if (this.pending === null) {
      buf = chunk;
    } else {
      from = Math.max(0, this.pending.length - 3); // the terminator may straddle the two
      buf = Buffer.concat([this.pending, chunk]);
    }
    const end = buf.indexOf(CRLFCRLF, from);
    if (end < 0) {
      if (buf.length > this.maxHead) return this.fail('malformed', 'response header too large');
      // Early verdict on garbage: a status line that cannot become HTTP need not wait for more.
      if (buf.length >= 5 && !startsWithHttp(buf)) return this.fail('malformed', `bad status line '${printable(buf, 0, Math.min(buf.length, 80))}'`);
      this.pending = buf === chunk ? Buffer.from(chunk) : buf; // copy: `chunk` may be reused
      return;
    }
    this.pending = null;
    if (end > this.maxHead) return this.fail('malformed', 'response header too large');
    const eol = buf.indexOf(13, 0); // first CR: end of the status line (end >= it)
    const status = parseStatusLine(buf, eol);
    if (status < 0) return this.fail('malformed', `bad status line '${printable(buf, 0, Math.min(eol, 80))}'`);
    this.status = status;
    if (!this.onBody) {
      this.state = 'done';
      return;
    }
    if (!this.framing(buf.toString('latin1', eol + 2, end))) return;
    this.state = 'body';
    if (this.mode === 'length' && this.remaining === 0) {
      this.state = 'done';
      return;
    }
    if (end + 4 < buf.length) this.body(buf, end + 4);
  }

  /** Reads the body framing from the header lines; false (and 'error') on a bad header. */
  private framing(lines: string): boolean {
    const s = this.status;
    // RFC 9112 6.3: no body for 1xx, 204 and 304 (whatever the headers say).
    if (s < 200 || s === 204 || s === 304) {
      this.mode = 'length';
      this.remaining = 0;
      return true;
    }
    let chunked = false;
    let length = -1;
    if (lines.length > 0) {
      for (const line of lines.split('\r\n')) {
        if (line.length === 0 || line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9) continue; // obsolete folding
        const c = line.indexOf(':');
        if (c <= 0) {
          this.fail('malformed', `bad header line '${line.slice(0, 80).replace(/[^\x20-\x7e]/g, '.')}'`);
          return false;
        }
        const name = line.slice(0, c).trim().toLowerCase();
        const value = line.slice(c + 1).trim();
        if (name === 'transfer-encoding') {
          chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
        } else if (name === 'content-length') {
          if (!/^\d{1,15}$/.test(value)) {
            this.fail('malformed', `bad content-length '${value.slice(0, 40)}'`);
            return false;
          }
          const n = Number(value);
          if (length >= 0 && n !== length) {
            this.fail('malformed', `conflicting content-length ${length} and ${n}`);
            return false;
          }
          length = n;
        }
      }
    }
    // RFC 9112 6.3: chunked wins over Content-Length; neither means "until the close".
    if (chunked) this.mode = 'chunked';
    else if (length >= 0) {
      this.mode = 'length';
      this.remaining = length;
    } else this.mode = 'close';
    return true;
  }

  private emit(buf: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.bodyBytes += to - from;
    this.onBody!(buf.subarray(from, to));
  }

  private body(buf: Buffer, from: number): void {
    if (this.mode === 'close') return this.emit(buf, from, buf.length);
    if (this.mode === 'length') {
      const take = Math.min(this.remaining, buf.length - from);
      this.emit(buf, from, from + take);
      this.remaining -= take;
      if (this.remaining === 0) this.state = 'done';
      return;
    }
    this.chunked(buf, from);
  }

  private chunked(buf: Buffer, from: number): void {
    let i = from;
    const n = buf.length;
    while (i < n) {
      switch (this.cstate) {
        case C_SIZE: {
          const b = buf[i];
          const v = hexValue(b);
          if (v >= 0) {
            if (++this.cdigits > 12) return this.fail('malformed', 'chunk size too large');
            this.csize = this.csize * 16 + v;
            i++;
            break;
          }
          if (this.cdigits === 0) return this.fail('malformed', `bad chunk size (byte 0x${b.toString(16).padStart(2, '0')})`);
          this.cstate = C_EXT;
          break; // the same byte is looked at as extension / line end
        }
        case C_EXT: {
          const b = buf[i++];
          if (++this.clineLen > MAX_CHUNK_LINE) return this.fail('malformed', 'chunk size line too long');
          if (b !== 10) break;
          if (this.csize > MAX_CHUNK_SIZE) return this.fail('malformed', 'chunk size too large');
          if (this.csize === 0) {
            this.state = 'done'; // last chunk: trailers are not needed
            return;
          }
          this.remaining = this.csize;
          this.csize = 0;
          this.cdigits = 0;
          this.clineLen = 0;
          this.cstate = C_DATA;
          break;
        }
        case C_DATA: {
          const take = Math.min(this.remaining, n - i);
          this.emit(buf, i, i + take);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.cstate = C_DATA_CR;
          break;
        }
        case C_DATA_CR: {
          const b = buf[i++];
          if (b === 13) this.cstate = C_DATA_LF;
          else if (b === 10) this.cstate = C_SIZE; // a bare LF, tolerated
          else return this.fail('malformed', 'chunk data not followed by CRLF');
          break;
        }
        default: {
          if (buf[i++] !== 10) return this.fail('malformed', 'chunk data not followed by CRLF');
          this.cstate = C_SIZE;
        }
      }
    }
  }
}

function hexValue(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  if (b >= 97 && b <= 102) return b - 87;
  if (b >= 65 && b <= 70) return b - 55;
  return -1;
}

/** Could these bytes begin an HTTP status line ("HTTP/")? */
function startsWithHttp(b: Buffer): boolean {
  return b[0] === 0x48 && b[1] === 0x54 && b[2] === 0x54 && b[3] === 0x50 && b[4] === 0x2f;
}

const isDigit = (b: number) => b >= 48 && b <= 57;

/**
 * `HTTP/d.d SP ddd [SP reason]` up to `eol` (RFC 9112 section 4): the status code, or -1.
 * Read from the bytes, no string made.
 */
export function parseStatusLine(b: Buffer, eol: number): number {
  if (eol < 12 || !startsWithHttp(b)) return -1;
  if (!isDigit(b[5]) || b[6] !== 0x2e || !isDigit(b[7]) || b[8] !== 0x20) return -1;
  if (!isDigit(b[9]) || !isDigit(b[10]) || !isDigit(b[11])) return -1;
  if (eol > 12 && b[12] !== 0x20) return -1;
  const code = (b[9] - 48) * 100 + (b[10] - 48) * 10 + (b[11] - 48);
  return code >= 100 ? code : -1;
}

/** Bytes as text for a log line: printable ASCII kept, the rest as '.'. */
function printable(b: Buffer, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += b[i] >= 0x20 && b[i] < 0x7f ? String.fromCharCode(b[i]) : '.';
  return s;
}
