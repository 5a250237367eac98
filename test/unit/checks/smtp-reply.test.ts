// The SMTP reply reader (checks/smtp-reply.ts): examples for each rule, then seeded property runs
// (a few seconds): valid replies read back exactly however they are split into reads; mutated and
// random byte streams end in replies, "need more" or a typed error, never an exception, with the
// same answer whole, in random reads and a byte at a time, and the same answer as a plain
// line-by-line reference reading. A failure prints the seed and the iteration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_LINE_BYTES, MAX_REPLY_BYTES, readReply, REPLY_START, SMTP_REPLY_ERRORS, type ReplyProgress } from '../../../checks/smtp-reply.ts';
import { mulberry32, type Rng } from '../../fuzz/mutate.ts';
import { mutateReply, SMTP_DIALOGUE } from '../../fuzz/mutate-reply.ts';

type Outcome = { replies: Array<{ code: number; lines: string[] }>; end: string };

/** Reads replies from `chunks` as the checker does (carrying the unfinished line and the progress). */
function readStream(chunks: Buffer[]): Outcome {
  const replies: Outcome['replies'] = [];
  let pending = Buffer.alloc(0);
  let progress: ReplyProgress = REPLY_START;
  for (const chunk of chunks) {
    let input: Buffer = Buffer.concat([pending, chunk]);
    for (;;) {
      const r = readReply(input, progress);
      if (r.kind === 'error') {
        assert.ok(SMTP_REPLY_ERRORS.includes(r.error.code), r.error.code);
        assert.ok(r.error.line >= 1 && typeof r.error.detail === 'string');
        return { replies, end: `error ${r.error.code} line ${r.error.line}` };
      }
      if (r.kind === 'more') {
        // Bounded memory: never more than a line held, never more than a reply's worth.
        assert.ok(r.rest.length <= MAX_LINE_BYTES, `rest ${r.rest.length}`);
        assert.ok(r.progress.bytes + r.rest.length <= MAX_REPLY_BYTES);
        progress = r.progress;
        pending = Buffer.from(r.rest);
        break;
      }
      assert.ok(Number.isInteger(r.reply.code) && r.reply.code >= 0 && r.reply.code <= 999);
      assert.ok(r.reply.lines.length >= 1);
      replies.push(r.reply);
      progress = REPLY_START;
      input = r.rest;
    }
  }
  return { replies, end: `more ${progress.count} lines, ${pending.toString('hex')}` };
}

function splitRandom(b: Buffer, rnd: Rng): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < b.length) {
    const n = 1 + Math.floor(rnd() * Math.min(b.length - at, rnd() < 0.3 ? 3 : 200));
    out.push(b.subarray(at, at + n));
    at += n;
  }
  return out;
}

function bytewise(b: Buffer): Buffer[] {
  return Array.from({ length: b.length }, (_, i) => b.subarray(i, i + 1));
}

const one = (s: string | Buffer) => readStream([Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1')]);

test('examples: single and multi-line replies, line ends, and what follows a reply', () => {
  assert.deepEqual(one('220 mail.example ESMTP\r\n'), { replies: [{ code: 220, lines: ['mail.example ESMTP'] }], end: 'more 0 lines, ' });
  assert.deepEqual(one('250-mail.example\r\n250-SIZE 10240000\r\n250 HELP\r\n').replies, [{ code: 250, lines: ['mail.example', 'SIZE 10240000', 'HELP'] }]);
  // A bare LF, a code-only last line, an empty continuation: accepted as the checker always did.
  assert.deepEqual(one('221-\n221\n').replies, [{ code: 221, lines: ['', ''] }]);
  assert.deepEqual(one('250 \r\n').replies, [{ code: 250, lines: [''] }]);
  // Non-ASCII text (SMTPUTF8) and a CR inside the text are text; codes outside 2xx-5xx are the checker's call.
  assert.deepEqual(one(Buffer.from('220 Grüße\r\n', 'utf8')).replies[0].lines, [Buffer.from('Grüße', 'utf8').toString('latin1')]);
  assert.deepEqual(one('220 a\rb\r\n').replies[0].lines, ['a\rb']);
  assert.equal(one('999 odd\r\n').replies[0].code, 999);
  // Pipelined: two replies in one read, and the start of a third.
  const r = one('220 hi\r\n250 ok\r\n22');
  assert.deepEqual(r.replies.map((x) => x.code), [220, 250]);
  assert.equal(r.end, `more 0 lines, ${Buffer.from('22').toString('hex')}`);
  // The CRLF split between two reads.
  assert.deepEqual(readStream([Buffer.from('250-a\r'), Buffer.from('\n250 b\r'), Buffer.from('\n')]).replies, [{ code: 250, lines: ['a', 'b'] }]);
});

test('examples: each typed error, reported at the first byte that decides it', () => {
  const err = (s: string) => one(s).end;
  assert.equal(err('hello\r\n'), 'error no_code line 1');
  assert.equal(err('\r\n'), 'error no_code line 1');
  assert.equal(err('25\r\n'), 'error no_code line 1');
  assert.equal(err('２２０ hi\r\n'), 'error no_code line 1'); // full-width digits are not digits
  assert.equal(err('220-ok\r\nxyz\r\n'), 'error no_code line 2');
  assert.equal(err('2200 hi\r\n'), 'error bad_separator line 1');
  assert.equal(err('220\thi\r\n'), 'error bad_separator line 1');
  assert.equal(err('220\r\r\n'), 'error bad_separator line 1');
  assert.equal(err('220-a\r\n250 b\r\n'), 'error code_changed line 2');
  // Garbage fails on its first byte, without waiting for a line end.
  assert.equal(err('G'), 'error no_code line 1');
  assert.equal(err('220x'), 'error bad_separator line 1');
  assert.equal(err('220-a\n221'), 'error code_changed line 2');
  // A line without an end: held up to the bound, then an error.
  assert.equal(err('220 ' + 'a'.repeat(MAX_LINE_BYTES - 6) + '\r\n'), 'more 0 lines, '); // exactly MAX_LINE_BYTES
  assert.equal(err('220 ' + 'a'.repeat(MAX_LINE_BYTES - 5) + '\r\n'), 'error line_too_long line 1');
  assert.equal(err('220 ' + 'a'.repeat(MAX_LINE_BYTES)), 'error line_too_long line 1');
  // Endless continuation lines: the reply bound stops them.
  const fit = Math.floor(MAX_REPLY_BYTES / 10); // 10-byte lines that fit in one reply
  assert.equal(err('250-abcd\r\n'.repeat(fit + 5)), `error reply_too_long line ${fit + 1}`);
  assert.equal(one('250-abcd\r\n'.repeat(fit - 1) + '250 abcd\r\n').replies[0].lines.length, fit);
});

/** A valid reply: random code and lines, text with any byte but CR and LF, CRLF or bare LF ends. */
function validReply(rnd: Rng): { bytes: Buffer; code: number; lines: string[] } {
  const int = (n: number) => Math.floor(rnd() * n);
  const code = int(1000);
  const digits = String(code).padStart(3, '0');
  const n = rnd() < 0.1 ? 1 + int(200) : 1 + int(5);
  const lines: string[] = [];
  let s = '';
  for (let i = 0; i < n; i++) {
    const len = rnd() < 0.05 ? int(MAX_LINE_BYTES - 6) : int(40);
    let text = '';
    for (let j = 0; j < len; j++) {
      const c = rnd() < 0.8 ? 32 + int(95) : int(256);
      text += c === 10 || c === 13 ? 'x' : String.fromCharCode(c);
    }
    const last = i === n - 1;
    const sep = last ? (text === '' && rnd() < 0.5 ? '' : ' ') : '-';
    s += digits + sep + text + (rnd() < 0.8 ? '\r\n' : '\n');
    lines.push(text);
  }
  return { bytes: Buffer.from(s, 'latin1'), code, lines };
}

test('property: 3000 valid replies read back exactly, whole, split at random and a byte at a time', () => {
  const seed = 0x5a7d;
  const rnd = mulberry32(seed);
  for (let i = 0; i < 3000; i++) {
    const v = validReply(rnd);
    const tail = Buffer.from(rnd() < 0.5 ? '' : '221 bye\r\n');
    const all = Buffer.concat([v.bytes, tail]);
    const want = one(all);
    assert.deepEqual(want.replies[0], { code: v.code, lines: v.lines }, `seed ${seed} iteration ${i}`);
    assert.equal(want.replies.length, tail.length ? 2 : 1);
    assert.deepEqual(readStream(splitRandom(all, rnd)), want, `seed ${seed} iteration ${i} (random reads)`);
    if (all.length < 2000) assert.deepEqual(readStream(bytewise(all)), want, `seed ${seed} iteration ${i} (bytewise)`);
  }
});



/** A plain line-by-line reading of complete lines (no bounds), to compare with the reader. */
function reference(input: Buffer): Outcome {
  const s = input.toString('latin1');
  const replies: Outcome['replies'] = [];
  let cur: { code: number; lines: string[]; digits: string } | null = null;
  const lines = s.split('\n');
  lines.pop(); // input ends with LF: the last piece is empty
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const lineNo = (cur?.lines.length ?? 0) + 1;
    if (!/^[0-9]{3}/.test(raw)) return { replies, end: `error no_code line ${lineNo}` };
    const digits = raw.slice(0, 3);
    if (cur && digits !== cur.digits) return { replies, end: `error code_changed line ${lineNo}` };
    const m = /^[0-9]{3}([ -].*)?$/s.exec(line);
    if (!m) return { replies, end: `error bad_separator line ${lineNo}` };
    cur ??= { code: Number(digits), lines: [], digits };
    cur.lines.push(m[1] ? m[1].slice(1) : '');
    if (m[1]?.[0] !== '-') {
      replies.push({ code: cur.code, lines: cur.lines });
      cur = null;
    }
  }
  return { replies, end: `more ${cur?.lines.length ?? 0} lines, ` };
}

test('property: 4000 mutated dialogues end in replies, "more" or a typed error, the same however split', () => {
  const seed = 0xf022;
  const rnd = mulberry32(seed);
  const seen = new Map<string, number>();
  let compared = 0;
  for (let i = 0; i < 4000; i++) {
    const input = mutateReply(Buffer.from(SMTP_DIALOGUE), rnd);
    const whole = one(input);
    const tag = whole.end.startsWith('error') ? whole.end.split(' ')[1] : 'no error';
    seen.set(tag, (seen.get(tag) ?? 0) + 1);
    assert.deepEqual(readStream(splitRandom(input, rnd)), whole, `seed ${seed} iteration ${i} (random reads)`);
    if (input.length < 3000) assert.deepEqual(readStream(bytewise(input)), whole, `seed ${seed} iteration ${i} (bytewise)`);
    // Complete short lines only: the reference reading must agree.
    const lastLf = input.lastIndexOf(10);
    const complete = input.subarray(0, lastLf + 1);
    if (complete.length < MAX_LINE_BYTES && complete.length > 0) {
      assert.deepEqual(one(complete), reference(complete), `seed ${seed} iteration ${i} (reference)`);
      compared++;
    }
  }
  // The sample reaches every error and valid dialogues too.
  for (const code of [...SMTP_REPLY_ERRORS, 'no error']) assert.ok((seen.get(code) ?? 0) > 0, `${code} never seen: ${JSON.stringify([...seen])}`);
  assert.ok(compared > 1000, `only ${compared} compared with the reference`);
});
