import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { probeHttp } from '../../../checks/http.ts';
import { probeHttpLite } from '../../../checks/http-lite.ts';
import { parseStatusCodes, statusAllowed, hostHeader, buildRequest } from '../../../checks/http-common.ts';
import type { HttpOptions } from '../../../checks/http-common.ts';
import type { ProbeResult } from '../../../checks/types.ts';
import { httpServer, httpsServer, silentServer, refusedPort, rawServer, selfSignedCert, type Running } from './servers.ts';

const body = 'hello keepalived\n'.repeat(100);
const md5 = createHash('md5').update(body).digest('hex');
const seen: Array<{ host?: string; ua?: string; conn?: string; url?: string }> = [];

const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
  seen.push({ host: req.headers.host, ua: req.headers['user-agent'], conn: req.headers.connection, url: req.url });
  if (req.url === '/ok') res.end(body);
  else if (req.url === '/chunked') {
    res.write(body.slice(0, 100));
    setImmediate(() => res.end(body.slice(100)));
  } else if (req.url === '/401') {
    res.statusCode = 401;
    res.end('no');
  } else if (req.url === '/500') {
    res.statusCode = 500;
    res.end('boom');
  } else if (req.url === '/empty') {
    res.statusCode = 204;
    res.end();
  } else {
    res.statusCode = 404;
    res.end('nf');
  }
};

let http: Running;
let https: Running;
let silent: Running;
let refused: number;

before(async () => {
  http = await httpServer(handler);
  https = await httpsServer(handler);
  silent = await silentServer();
  refused = await refusedPort();
});

after(async () => {
  await Promise.all([http.close(), https.close(), silent.close()]);
});

type ProbeFn = (t: { host: string; port: number }, o: HttpOptions, s?: AbortSignal) => Promise<ProbeResult>;
const probes: Array<[string, ProbeFn]> = [
  ['undici', probeHttp],
  ['lite', probeHttpLite],
];

/** Runs both probes and asserts they agree on ok/reason. */
async function both(port: number, o: HttpOptions): Promise<ProbeResult> {
  const [a, b] = await Promise.all(probes.map(([, p]) => p({ host: '127.0.0.1', port }, o)));
  assert.equal(a.ok, b.ok, `undici ${a.reason} (${a.detail}) vs lite ${b.reason} (${b.detail})`);
  assert.equal(a.reason, b.reason, `undici ${a.detail} vs lite ${b.detail}`);
  return a;
}

test('status_code lists and ranges parse like keepalived', () => {
  const s = parseStatusCodes('200-299 401');
  assert.deepEqual(s, [
    [200, 299],
    [401, 401],
  ]);
  assert.ok(statusAllowed(s, 204));
  assert.ok(statusAllowed(s, 401));
  assert.ok(!statusAllowed(s, 302));
  assert.throws(() => parseStatusCodes('20x'));
});

test('Host header: virtualhost, ip:port, [v6]:port; request line as keepalived', () => {
  assert.equal(hostHeader({ host: '10.0.0.1', port: 80 }), '10.0.0.1:80');
  assert.equal(hostHeader({ host: '::1', port: 8080 }), '[::1]:8080');
  assert.equal(hostHeader({ host: '::1', port: 8080 }, 'www.example.com'), 'www.example.com');
  assert.equal(buildRequest('/x', 'h:1', '1.0'), 'GET /x HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: h:1\r\n\r\n');
  assert.equal(buildRequest('/x', 'h:1', '1.1'), 'GET /x HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: h:1\r\n\r\n');
});

test('HTTP: 200 with matching digest is ok; the server sees Host ip:port and KeepAliveClient', async () => {
  seen.length = 0;
  const r = await both(http.port, { urls: [{ path: '/ok', digest: md5.toUpperCase() }], timeoutMs: 2000 });
  assert.equal(r.ok, true);
  assert.equal(seen.length, 2);
  for (const s of seen) {
    assert.equal(s.host, `127.0.0.1:${http.port}`);
    assert.equal(s.ua, 'KeepAliveClient');
    assert.equal(s.conn, 'close');
  }
});

test('HTTP: virtualhost reaches the server as the Host header', async () => {
  seen.length = 0;
  await both(http.port, { urls: [{ path: '/ok' }], virtualhost: 'www.example.org', timeoutMs: 2000 });
  assert.deepEqual(
    seen.map((s) => s.host),
    ['www.example.org', 'www.example.org'],
  );
  seen.length = 0;
  await both(http.port, { urls: [{ path: '/ok', virtualhost: 'per-url.example' }], virtualhost: 'www.example.org', timeoutMs: 2000 });
  assert.deepEqual(
    seen.map((s) => s.host),
    ['per-url.example', 'per-url.example'],
  );
});

test('HTTP: wrong digest => digest; chunked body digests the same as a plain one', async () => {
  const bad = await both(http.port, { urls: [{ path: '/ok', digest: '0'.repeat(32) }], timeoutMs: 2000 });
  assert.equal(bad.reason, 'digest');
  const chunked = await both(http.port, { urls: [{ path: '/chunked', digest: md5 }], timeoutMs: 2000 });
  assert.equal(chunked.ok, true, chunked.detail);
});

test('HTTP: status lists and ranges decide', async () => {
  assert.equal((await both(http.port, { urls: [{ path: '/401' }], timeoutMs: 2000 })).reason, 'status');
  assert.equal((await both(http.port, { urls: [{ path: '/401', statusCodes: '200-299 401' }], timeoutMs: 2000 })).ok, true);
  assert.equal((await both(http.port, { urls: [{ path: '/500', statusCodes: '200-299 401' }], timeoutMs: 2000 })).reason, 'status');
  assert.equal((await both(http.port, { urls: [{ path: '/empty', statusCodes: '204' }], timeoutMs: 2000 })).ok, true);
});

test('HTTP: several urls, the first failing one decides', async () => {
  const r = await both(http.port, { urls: [{ path: '/ok', digest: md5 }, { path: '/missing' }, { path: '/ok' }], timeoutMs: 2000 });
  assert.equal(r.reason, 'status');
  assert.match(r.detail, /\/missing/);
});

test('HTTPS with a self-signed certificate: not verified by default, refused when verification is asked', async () => {
  const ok = await both(https.port, { tls: true, urls: [{ path: '/ok', digest: md5 }], timeoutMs: 3000 });
  assert.equal(ok.ok, true, ok.detail);
  const verified = await both(https.port, { tls: true, verifyTls: true, urls: [{ path: '/ok' }], timeoutMs: 3000 });
  assert.equal(verified.reason, 'tls');
  const withCa = await both(https.port, { tls: true, verifyTls: true, ca: selfSignedCert().cert, urls: [{ path: '/ok' }], timeoutMs: 3000 });
  assert.equal(withCa.ok, true, withCa.detail);
});

test('a server that accepts and never answers yields a timeout', async () => {
  const r = await both(silent.port, { urls: [{ path: '/' }], timeoutMs: 300 });
  assert.equal(r.reason, 'timeout');
});

test('bindto: the probe connects from the given local address', async () => {
  const r = await both(http.port, { urls: [{ path: '/ok' }], localAddress: '127.0.0.1', timeoutMs: 2000 });
  assert.equal(r.ok, true, r.detail);
  const bad = await both(http.port, { urls: [{ path: '/ok' }], localAddress: '192.0.2.123', timeoutMs: 2000 });
  assert.equal(bad.ok, false);
  assert.equal(bad.reason, 'unreachable'); // EADDRNOTAVAIL: not a local address
});

test('a refused port yields refused', async () => {
  const r = await both(refused, { urls: [{ path: '/' }], timeoutMs: 1000 });
  assert.equal(r.reason, 'refused');
});

test('a server that closes without answering yields reset; garbage yields malformed', async () => {
  const closer = await rawServer((s) => s.once('data', () => s.end()));
  const garbage = await rawServer((s) => s.once('data', () => s.end('SSH-2.0-OpenSSH\r\n\r\n')));
  try {
    assert.equal((await both(closer.port, { urls: [{ path: '/' }], timeoutMs: 1000 })).reason, 'reset');
    assert.equal((await both(garbage.port, { urls: [{ path: '/' }], timeoutMs: 1000 })).reason, 'malformed');
  } finally {
    await Promise.all([closer.close(), garbage.close()]);
  }
});

test('an aborted signal yields aborted, a TimeoutError abort yields timeout', async () => {
  for (const [, p] of probes) {
    const ac = new AbortController();
    const pending = p({ host: '127.0.0.1', port: silent.port }, { urls: [{ path: '/' }], timeoutMs: 5000 }, ac.signal);
    ac.abort();
    assert.equal((await pending).reason, 'aborted');
    const t = await p({ host: '127.0.0.1', port: silent.port }, { urls: [{ path: '/' }], timeoutMs: 5000 }, AbortSignal.timeout(100));
    assert.equal(t.reason, 'timeout');
  }
});

test('answers dribbled a few bytes at a time (head split anywhere, chunked and close-delimited bodies) digest the same', async () => {
  const chunkedBody = body
    .match(/[\s\S]{1,333}/g)!
    .map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`)
    .join('');
  const answers: Record<string, string> = {
    '/length': `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    '/chunked': `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunkedBody}0\r\n\r\n`,
    '/close': `HTTP/1.0 200 OK\r\nServer: dribble\r\n\r\n${body}`,
  };
  const dribbler = await rawServer((s) => {
    s.on('error', () => undefined);
    s.once('data', (req) => {
      const path = /^GET (\S+)/.exec(String(req))?.[1] ?? '';
      const bytes = Buffer.from(answers[path] ?? 'HTTP/1.0 404 x\r\n\r\n');
      let i = 0;
      const step = () => {
        if (s.destroyed) return;
        if (i >= bytes.length) return void s.end();
        const n = 1 + ((i * 7) % 13); // 1..13 bytes a write
        s.write(bytes.subarray(i, i + n));
        i += n;
        setImmediate(step);
      };
      step();
    });
  });
  try {
    for (const path of Object.keys(answers)) {
      const r = await both(dribbler.port, { urls: [{ path, digest: md5 }], timeoutMs: 5000 });
      assert.equal(r.ok, true, `${path}: ${r.detail}`);
    }
  } finally {
    await dribbler.close();
  }
});
