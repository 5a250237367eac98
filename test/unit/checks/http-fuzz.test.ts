// Hostile HTTP answers: a loopback server replies with mutated and random responses (fixed seed);
// both HTTP probes must end every check with a result and a reason, never a throw or a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { probeHttpLite } from '../../../checks/http-lite.ts';
import { probeHttp } from '../../../checks/http.ts';
import { mulberry32 } from '../../fuzz/mutate.ts';

const good = [
  'HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nok\n\r\n0\r\n\r\n',
  'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
];

function mutate(s: string, rnd: () => number): Buffer {
  const int = (n: number) => Math.floor(rnd() * n);
  let b = Buffer.from(s);
  switch (int(6)) {
    case 0:
      b = b.subarray(0, int(b.length));
      break;
    case 1:
      for (let i = 0; i < 1 + int(5); i++) b[int(b.length)] = int(256);
      break;
    case 2:
      b = Buffer.from(s.replace(/\d+/, String(int(1e9))));
      break;
    case 3:
      b = Buffer.from(s.replace('\r\n\r\n', '\r\n' + 'X-Junk: ' + 'a'.repeat(int(70000)) + '\r\n\r\n'));
      break;
    case 4:
      b = Buffer.from(Array.from({ length: int(300) }, () => int(256)));
      break;
    default:
      b = Buffer.from(s.replace(/Content-Length: \d+/, `Content-Length: ${['-1', 'abc', '99999999999', ''][int(4)]}`));
  }
  return b;
}

test('both HTTP probes turn 150 hostile responses into results, never exceptions', async () => {
  const rnd = mulberry32(0xbadc0de);
  const responses = Array.from({ length: 150 }, () => mutate(good[Math.floor(rnd() * good.length)], rnd));
  let next = 0;
  const server = createServer((sock) => {
    const r = responses[next++ % responses.length];
    sock.on('error', () => undefined);
    sock.once('data', () => sock.end(r));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as AddressInfo).port;
  const reasons = new Map<string, number>();
  try {
    for (let i = 0; i < responses.length; i++) {
      const probe = i % 2 === 0 ? probeHttpLite : probeHttp;
      const r = await probe({ host: '127.0.0.1', port }, { urls: [{ path: '/' }], timeoutMs: 500 });
      assert.equal(typeof r.ok, 'boolean');
      assert.equal(typeof r.reason, 'string');
      reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
    }
  } finally {
    server.close();
  }
  // The sample must exercise failures as well as successes.
  assert.ok((reasons.get('ok') ?? 0) > 0 && reasons.size > 2, JSON.stringify([...reasons]));
});
