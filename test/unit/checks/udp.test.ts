import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { probeUdp, parseHexPattern, udpReplyMatches } from '../../../checks/udp.ts';
import { udpServer } from './servers.ts';

test('hex patterns with X wildcards match as check_udp_reply', () => {
  const p = parseHexPattern('de ad Xf');
  assert.deepEqual([...p.data], [0xde, 0xad, 0x0f]);
  assert.deepEqual([...p.mask], [0, 0, 0xf0]);
  assert.ok(udpReplyMatches(Buffer.from([0xde, 0xad, 0x3f, 0x99]), p));
  assert.ok(!udpReplyMatches(Buffer.from([0xde, 0xad, 0x3e]), p));
  assert.ok(udpReplyMatches(Buffer.from([0xde]), p)); // only min(len, pattern) bytes compared
  assert.ok(!udpReplyMatches(Buffer.from([0xde]), p, 2));
  assert.throws(() => parseHexPattern('abc'));
});

test('UDP_CHECK: reply matching require_reply is up, mismatch is down, silence is up unless a reply is required', async () => {
  let got: Buffer = Buffer.alloc(0);
  const echo = await udpServer((m) => ((got = m), Buffer.from('PONG')));
  const mute = await udpServer(() => null);
  try {
    const t = { host: '127.0.0.1', port: echo.port };
    const ok = await probeUdp(t, { payload: Buffer.from('PING'), requireReply: parseHexPattern('504f4eXX'), timeoutMs: 500 });
    assert.equal(ok.ok, true, ok.detail);
    assert.equal(got.toString(), 'PING');
    const bad = await probeUdp(t, { payload: Buffer.from('PING'), requireReply: parseHexPattern('00'), timeoutMs: 500 });
    assert.equal(bad.reason, 'status');
    const m = { host: '127.0.0.1', port: mute.port };
    assert.equal((await probeUdp(m, { timeoutMs: 200 })).ok, true);
    assert.equal((await probeUdp(m, { timeoutMs: 200, requireReply: true })).reason, 'timeout');
  } finally {
    await Promise.all([echo.close(), mute.close()]);
  }
});

test('UDP_CHECK: ICMP port unreachable is refused', async () => {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  const r = await probeUdp({ host: '127.0.0.1', port }, { payload: Buffer.from('x'), timeoutMs: 500 });
  assert.equal(r.reason, 'refused');
});
