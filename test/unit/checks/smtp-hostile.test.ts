// Hostile SMTP servers on loopback (real TCP): garbage banners, endless continuation lines, a byte
// at a time, huge lines, closes and resets inside a reply, silence, slow drips, and 150 mutated
// dialogues (fixed seed). SMTP_CHECK must end each with a typed result, by detection when the
// bytes decide it and by its connect_timeout otherwise; it must close its socket every time (the
// server sees every connection go away while it still listens) and leave no socket or descriptor
// behind once the servers are gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { probeSmtp } from '../../../checks/smtp.ts';
import type { ProbeReason, ProbeResult } from '../../../checks/types.ts';
import { mulberry32 } from '../../fuzz/mutate.ts';
import { mutateReply, SMTP_DIALOGUE } from '../../fuzz/mutate-reply.ts';

// connect_timeout for the servers that must end in 'timeout'. The others must end by detection
// (bytes or a close decide them), so they get a long timeout that a loaded machine cannot reach:
// their verdict never depends on timing.
const TIMEOUT_MS = 500;
const DETECT_TIMEOUT_MS = 10_000;
/** Liveness bound over connect_timeout: a probe not settled by then has hung (not a speed measure). */
const HANG_MARGIN_MS = 2000;

interface Hostile {
  port: number;
  /** Connections the server still holds open. */
  open(): number;
  close(): Promise<void>;
}

async function hostile(onConn: (s: Socket) => void): Promise<Hostile> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined); // EPIPE / ECONNRESET when the checker gives up: expected
    s.setNoDelay(true);
    onConn(s);
    s.resume(); // read (and drop) what no handler reads, or the checker's FIN would go unseen
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return {
    port: (server.address() as AddressInfo).port,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `data` one byte every `ms` until done or the peer is gone. */
async function drip(s: Socket, data: string | Buffer, ms: number): Promise<void> {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1');
  for (let i = 0; i < b.length && !s.destroyed; i++) {
    s.write(b.subarray(i, i + 1));
    await sleep(ms);
  }
}

/** A scripted SMTP server: `banner`, then the reply to each command verb, through `send`. */
function dialogue(banner: string, replies: Record<string, string>, send = (s: Socket, d: string) => void s.write(d)) {
  return (s: Socket) => {
    send(s, banner);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      for (let nl = buf.indexOf('\r\n'); nl >= 0; nl = buf.indexOf('\r\n')) {
        const verb = buf.slice(0, nl).split(' ')[0].toUpperCase();
        buf = buf.slice(nl + 2);
        if (replies[verb] !== undefined) send(s, replies[verb]);
      }
    });
  };
}

/** Writes `line` as fast as the peer takes it (in 4 KiB writes), up to about 16 MB. */
function flood(line: string) {
  return (s: Socket) => {
    const b = Buffer.from(line.repeat(Math.ceil(4096 / line.length)), 'latin1');
    let n = 0;
    const pump = () => {
      while (!s.destroyed && n < 4096) {
        n++;
        if (!s.write(b)) return void s.once('drain', pump);
      }
    };
    pump();
  };
}

/** Sends a byte every 20 ms for as long as the connection lives. */
function slowloris(prefix: string) {
  return (s: Socket) => {
    s.write(prefix);
    const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('x')), 20);
    s.on('close', () => clearInterval(t));
  };
}

const OK_REPLIES = { HELO: '250-mail.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n', QUIT: '221 bye\r\n' };

const cases: Array<{ name: string; server: (s: Socket) => void; reason: ProbeReason; detail?: RegExp }> = [
  { name: 'garbage banner without a line end', server: (s) => s.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5])), reason: 'malformed', detail: /no reply code/ },
  { name: 'garbage banner line', server: (s) => s.write('HELLO THERE\r\n'), reason: 'malformed', detail: /no reply code/ },
  { name: 'NUL bytes', server: (s) => s.write(Buffer.alloc(64)), reason: 'malformed' },
  { name: 'non-ASCII digits', server: (s) => s.write(Buffer.from('２２０ hi\r\n', 'utf8')), reason: 'malformed' },
  { name: 'code then junk', server: (s) => s.write('2200 hi\r\n'), reason: 'malformed', detail: /space or "-"/ },
  { name: 'continuation with another code', server: (s) => s.write('220-a\r\n554 b\r\n'), reason: 'malformed', detail: /code 554 in a 220 reply/ },
  { name: 'endless continuation lines', server: flood('220-' + 'x'.repeat(60) + '\r\n'), reason: 'malformed', detail: /reply longer than/ },
  { name: 'endless continuation lines answering HELO', server: (s) => (s.write('220 hi\r\n'), void s.once('data', () => flood('250-more\r\n')(s))), reason: 'malformed', detail: /HELO reply: reply longer than/ },
  { name: 'a huge line', server: (s) => s.write('220 ' + 'a'.repeat(1 << 20)), reason: 'malformed', detail: /longer than 4096 bytes/ },
  { name: 'a huge HELO reply line', server: dialogue('220 hi\r\n', { HELO: '250 ' + 'b'.repeat(100_000) + '\r\n' }), reason: 'malformed', detail: /HELO reply/ },
  { name: 'closed inside the banner', server: (s) => s.end('220-hello\r\n220 rea'), reason: 'reset', detail: /inside the reply/ },
  { name: 'reset inside the HELO reply', server: dialogue('220 hi\r\n', { HELO: '250-a\r\n25' }, (s, d) => (d.startsWith('250') ? (s.write(d), void setTimeout(() => s.resetAndDestroy(), 20)) : void s.write(d))), reason: 'reset' },
  { name: 'closed on accept', server: (s) => s.end(), reason: 'reset' },
  { name: 'never answers', server: () => undefined, reason: 'timeout', detail: /waiting for banner/ },
  { name: 'silent after HELO', server: dialogue('220 hi\r\n', {}), reason: 'timeout', detail: /waiting for HELO/ },
  { name: 'drips a continuation line forever', server: slowloris('220-'), reason: 'timeout' },
  { name: 'wrong code to HELO', server: dialogue('220 hi\r\n', { HELO: '220 again\r\n' }), reason: 'status', detail: /HELO: got 220, expected 250/ },
  { name: 'byte at a time, garbage in the HELO reply', server: dialogue('220 ok\r\n', { HELO: '250-a\r\n25x' }, (s, d) => void drip(s, d, 2)), reason: 'malformed' },
  // Not hostile, only slow or eager: a valid dialogue must still succeed.
  { name: 'byte at a time, valid', server: dialogue('220-mail.example\r\n220 ready\r\n', OK_REPLIES, (s, d) => void drip(s, d, 1)), reason: 'ok' },
  { name: 'everything at once (pipelined)', server: (s) => s.write(SMTP_DIALOGUE), reason: 'ok' },
];

/** A probe that must settle, typed, by its connect_timeout + HANG_MARGIN_MS. */
async function probe(port: number, timeoutMs: number): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`probe did not settle within ${timeoutMs + HANG_MARGIN_MS} ms`)), timeoutMs + HANG_MARGIN_MS);
  });
  try {
    return await Promise.race([probeSmtp({ host: '127.0.0.1', port }, { heloName: 'lb1.example', timeoutMs }), hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `cond` every 10 ms up to `ms`; true when it held. */
async function eventually(cond: () => boolean, ms = 2000): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 10) {
    if (cond()) return true;
    await sleep(10);
  }
  return cond();
}

const tcpHandles = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
const fds = () => readdirSync('/proc/self/fd').length;

test('SMTP_CHECK against hostile servers: a typed result each time, sockets closed, nothing left behind', async () => {
  // Warm up (first connect opens lazily created descriptors), then take the baseline.
  const warm = await hostile(dialogue('220 hi\r\n', OK_REPLIES));
  assert.equal((await probe(warm.port, DETECT_TIMEOUT_MS)).reason, 'ok');
  await warm.close();
  await eventually(() => tcpHandles() === 0);
  const baseHandles = tcpHandles();
  const baseFds = fds();

  for (const c of cases) {
    const srv = await hostile(c.server);
    try {
      const r = await probe(srv.port, c.reason === 'timeout' ? TIMEOUT_MS : DETECT_TIMEOUT_MS);
      assert.equal(r.reason, c.reason, `${c.name}: ${r.reason} (${r.detail})`);
      assert.equal(r.ok, c.reason === 'ok', c.name);
      if (c.detail) assert.match(r.detail, c.detail, c.name);
      // The checker closed its end: the server, still listening, sees every connection go.
      assert.ok(await eventually(() => srv.open() === 0), `${c.name}: the checker left its connection open`);
    } finally {
      await srv.close();
    }
  }
  assert.ok(await eventually(() => tcpHandles() === baseHandles), `TCP handles ${tcpHandles()} > ${baseHandles}`);
  assert.ok(await eventually(() => fds() <= baseFds), `descriptors ${fds()} > ${baseFds}`);
});

test('SMTP_CHECK against 150 mutated dialogues (fixed seed): every check ends typed, no socket left', async (t) => {
  const seed = 0x5e7a;
  const rnd = mulberry32(seed);
  const inputs = Array.from({ length: 150 }, () => mutateReply(Buffer.from(SMTP_DIALOGUE), rnd));
  let next = 0;
  // Each connection gets the next mutant, in two writes split at a random point (a read boundary).
  const srv = await hostile((s) => {
    const b = inputs[next++ % inputs.length];
    const cut = Math.floor(rnd() * (b.length + 1));
    s.write(b.subarray(0, cut));
    setTimeout(() => !s.destroyed && s.end(b.subarray(cut)), 5);
  });
  const reasons = new Map<string, number>();
  try {
    for (let i = 0; i < inputs.length; i++) {
      const r = await probe(srv.port, DETECT_TIMEOUT_MS); // the server always ends the connection
      assert.ok(['ok', 'malformed', 'status', 'reset', 'timeout'].includes(r.reason), `seed ${seed} input ${i}: ${r.reason} ${r.detail}`);
      reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
    }
    assert.ok(await eventually(() => srv.open() === 0), 'the checker left connections open');
  } finally {
    await srv.close();
  }
  t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(reasons))}`);
  // The sample must exercise successes and each way of failing that bytes alone can cause.
  for (const reason of ['ok', 'malformed', 'status', 'reset']) assert.ok((reasons.get(reason) ?? 0) > 0, JSON.stringify([...reasons]));
});
