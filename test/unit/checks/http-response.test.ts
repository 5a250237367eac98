// The health-check probe's HTTP/1.x response reader (checks/http-response.ts): every framing,
// fed whole and split at every byte, and hostile input that must end in a clear error, never a
// throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ResponseReader, parseStatusLine, type ResponseState } from '../../../checks/http-response.ts';
import { mulberry32 } from '../../fuzz/mutate.ts';

interface Outcome {
  state: ResponseState;
  status: number;
  body: string;
  reason?: string;
  detail?: string;
}

/** Feeds `parts` (then a close when `close`), with a body sink unless `headOnly`. */
function read(parts: Array<string | Buffer>, opts: { close?: boolean; headOnly?: boolean } = {}): Outcome {
  const chunks: Buffer[] = [];
  const r = new ResponseReader(opts.headOnly ? {} : { onBody: (b) => chunks.push(Buffer.from(b)) });
  for (const p of parts) {
    // a reused buffer, as node:net's onread hands out: overwrite it after each push
    const shared = Buffer.alloc(Buffer.byteLength(p as string) + 8, 0x41);
    const n = typeof p === 'string' ? shared.write(p, 'latin1') : p.copy(shared);
    r.push(shared.subarray(0, n));
    shared.fill(0x5a);
    if (r.state === 'done' || r.state === 'error') break;
  }
  if (opts.close && r.state !== 'done' && r.state !== 'error') r.end();
  return { state: r.state, status: r.status, body: Buffer.concat(chunks).toString('latin1'), ...(r.state === 'error' ? { reason: r.errorReason, detail: r.errorDetail } : {}) };
}

/** Every way of cutting `s` in two, plus byte by byte. */
function splits(s: string): string[][] {
  const out: string[][] = [[s], [...s]];
  for (let i = 1; i < s.length; i++) out.push([s.slice(0, i), s.slice(i)]);
  return out;
}

test('status line: version, three digits, optional reason', () => {
  const sl = (s: string) => parseStatusLine(Buffer.from(s + '\r\n'), s.length);
  assert.equal(sl('HTTP/1.1 200 OK'), 200);
  assert.equal(sl('HTTP/1.0 404 Not Found'), 404);
  assert.equal(sl('HTTP/1.1 204'), 204);
  assert.equal(sl('HTTP/2.0 503 '), 503);
  for (const bad of ['HTTP/1.1 20 OK', 'HTTP/1.1 2000 OK', 'HTTP/1.1 abc', 'HTTP/11 200 OK', 'http/1.1 200 OK', 'SSH-2.0-OpenSSH', 'HTTP/1.1  200 OK', 'HTTP/1.1 099 x', '']) {
    assert.equal(sl(bad), -1, bad);
  }
});

test('Content-Length body, split anywhere, gives the same body; bytes after it are ignored', () => {
  const resp = 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: b\r\n\r\nhello world';
  for (const parts of splits(resp)) {
    assert.deepEqual(read([...parts, 'TRAILING GARBAGE']), { state: 'done', status: 200, body: 'hello world' }, JSON.stringify(parts));
  }
  assert.deepEqual(read(['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']), { state: 'done', status: 200, body: '' });
  assert.deepEqual(read(['HTTP/1.1 200 OK\r\ncontent-length: 3\r\nContent-Length: 3\r\n\r\nabc']), { state: 'done', status: 200, body: 'abc' });
});

test('chunked body, split anywhere, is de-chunked; extensions and trailers skipped', () => {
  const resp = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 999\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n';
  for (const parts of splits(resp)) {
    assert.deepEqual(read(parts), { state: 'done', status: 200, body: 'hello 0123456789' }, JSON.stringify(parts));
  }
  // upper-case hex, bare LF after the data (tolerated), transfer-coding list ending in chunked
  assert.deepEqual(read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n1F\r\n' + 'x'.repeat(31) + '\n0\r\n\r\n']), { state: 'done', status: 200, body: 'x'.repeat(31) });
});

test('close-delimited body ends with the connection; an early close is a reset', () => {
  const resp = 'HTTP/1.0 200 OK\r\nServer: t\r\n\r\nuntil the end';
  for (const parts of splits(resp)) assert.deepEqual(read(parts, { close: true }), { state: 'done', status: 200, body: 'until the end' });
  const short = read(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'], { close: true });
  assert.equal(short.state, 'error');
  assert.equal(short.reason, 'reset');
  const midChunk = read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab'], { close: true });
  assert.equal(midChunk.reason, 'reset');
  assert.match(read([], { close: true }).detail!, /without a response/);
  assert.match(read(['HTTP/1.1 200 OK\r\nServer:'], { close: true }).detail!, /inside the response header/);
});

test('no body for 1xx, 204 and 304 whatever the headers say', () => {
  assert.deepEqual(read(['HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n']), { state: 'done', status: 204, body: '' });
  assert.deepEqual(read(['HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n']), { state: 'done', status: 304, body: '' });
});

test('without a body sink the reader stops at the end of the header block', () => {
  const r = read(['HTTP/1.1 503 Busy\r\nContent-Length: 1000000\r\n\r\n', 'partial body'], { headOnly: true });
  assert.deepEqual(r, { state: 'done', status: 503, body: '' });
  // ... and does not judge headers it does not need
  assert.deepEqual(read(['HTTP/1.1 200 OK\r\nContent-Length: banana\r\n\r\n'], { headOnly: true }), { state: 'done', status: 200, body: '' });
});

test('garbage answers end in a clear malformed error', () => {
  const cases: Array<[string[], RegExp]> = [
    [['SSH-2.0-OpenSSH_9.2\r\n'], /bad status line 'SSH-2.0/],
    [['\x16\x03\x01\x00\xa5\x01\x00\x00'], /bad status line/],
    [['HTTP/1.1 2xx OK\r\n\r\n'], /bad status line 'HTTP\/1.1 2xx OK'/],
    [['HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\nbody'], /bad header line 'NoColonHere'/],
    [['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'], /bad content-length '-1'/],
    [['HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n'], /bad content-length/],
    [['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'], /conflicting content-length/],
    [['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'], /bad chunk size/],
    [['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffff\r\n'], /chunk size too large/],
    [['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX'], /not followed by CRLF/],
    [['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;' + 'e'.repeat(2000)], /size line too long/],
  ];
  for (const [parts, re] of cases) {
    const r = read(parts, { close: true });
    assert.equal(r.state, 'error', JSON.stringify(parts));
    assert.equal(r.reason, 'malformed', JSON.stringify(parts));
    assert.match(r.detail!, re);
  }
  // a header block that never ends is bounded
  const big = new ResponseReader({ maxHeadBytes: 1024 });
  big.push(Buffer.from('HTTP/1.1 200 OK\r\n'));
  for (let i = 0; i < 100 && big.state === 'head'; i++) big.push(Buffer.from('X-Junk: aaaaaaaaaaaaaaaaaaaa\r\n'));
  assert.equal(big.state, 'error');
  assert.match(big.errorDetail, /too large/);
});

test('MD5 over the body sink equals the MD5 of the body, however it was framed and cut', () => {
  const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
  const want = createHash('md5').update(body).digest('hex');
  const chunked = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), ...[0, 1000, 2500].map((o, k, a) => {
    const piece = body.subarray(o, a[k + 1] ?? body.length);
    return Buffer.concat([Buffer.from(piece.length.toString(16) + '\r\n'), piece, Buffer.from('\r\n')]);
  }), Buffer.from('0\r\n\r\n')]);
  const length = Buffer.concat([Buffer.from(`HTTP/1.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
  const rnd = mulberry32(42);
  for (const resp of [chunked, length]) {
    for (let trial = 0; trial < 50; trial++) {
      const h = createHash('md5');
      const r = new ResponseReader({ onBody: (b) => h.update(b) });
      for (let i = 0; i < resp.length && r.state !== 'done'; ) {
        const n = 1 + Math.floor(rnd() * 700);
        r.push(resp.subarray(i, i + n));
        i += n;
      }
      assert.equal(r.state, 'done');
      assert.equal(h.digest('hex'), want);
    }
  }
});

test('5,000 random and mutated answers: every one ends in a state, none throws', () => {
  const rnd = mulberry32(0x5eed);
  const seeds = [
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    'HTTP/1.0 404 Not Found\r\n\r\nnope',
  ];
  const states = new Map<string, number>();
  for (let k = 0; k < 5000; k++) {
    let b = Buffer.from(seeds[k % seeds.length]);
    if (k % 5 === 0) b = Buffer.from(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
    else for (let m = 0; m < 1 + Math.floor(rnd() * 4); m++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    const r = new ResponseReader(k % 2 ? { onBody: () => undefined } : {});
    for (let i = 0; i < b.length && (r.state === 'head' || r.state === 'body'); ) {
      const n = 1 + Math.floor(rnd() * 20);
      r.push(b.subarray(i, i + n));
      i += n;
    }
    if (r.state === 'head' || r.state === 'body') r.end();
    assert.ok(r.state === 'done' || r.state === 'error');
    if (r.state === 'error') assert.ok(r.errorDetail.length > 0);
    states.set(r.state, (states.get(r.state) ?? 0) + 1);
  }
  assert.ok((states.get('done') ?? 0) > 100 && (states.get('error') ?? 0) > 100, JSON.stringify([...states]));
});
