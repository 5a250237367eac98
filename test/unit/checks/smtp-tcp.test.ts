import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeSmtp } from '../../../checks/smtp.ts';
import { probeTcp } from '../../../checks/tcp.ts';
import { rawServer, silentServer, refusedPort } from './servers.ts';
import type { Socket } from 'node:net';

/** A scripted SMTP server: banner, then a reply per command. */
function smtp(banner: string, replies: Record<string, string>, seen: string[]) {
  return rawServer((s: Socket) => {
    s.write(banner);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let nl;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        seen.push(line);
        const verb = line.split(' ')[0].toUpperCase();
        s.write(replies[verb] ?? '500 what\r\n');
        if (verb === 'QUIT') s.end();
      }
    });
  });
}

test('SMTP: 220 banner, HELO helo_name -> 250 (multi-line), QUIT -> 221 is up', async () => {
  const seen: string[] = [];
  const srv = await smtp('220-mail.example ESMTP\r\n220 ready\r\n', { HELO: '250-hello\r\n250 ok\r\n', QUIT: '221 bye\r\n' }, seen);
  try {
    const r = await probeSmtp({ host: '127.0.0.1', port: srv.port }, { heloName: 'lb1.example', timeoutMs: 1000 });
    assert.equal(r.ok, true, r.detail);
    assert.deepEqual(seen, ['HELO lb1.example', 'QUIT']);
  } finally {
    await srv.close();
  }
});

test('SMTP: a 554 banner or a refused HELO is status; silence is timeout; closed port refused', async () => {
  const seen: string[] = [];
  const bad = await smtp('554 go away\r\n', {}, seen);
  const helo = await smtp('220 hi\r\n', { HELO: '501 no\r\n' }, seen);
  const silent = await silentServer();
  try {
    assert.equal((await probeSmtp({ host: '127.0.0.1', port: bad.port }, { timeoutMs: 500 })).reason, 'status');
    const r = await probeSmtp({ host: '127.0.0.1', port: helo.port }, { timeoutMs: 500 });
    assert.equal(r.reason, 'status');
    assert.match(r.detail, /HELO: got 501/);
    assert.equal((await probeSmtp({ host: '127.0.0.1', port: silent.port }, { timeoutMs: 300 })).reason, 'timeout');
    assert.equal((await probeSmtp({ host: '127.0.0.1', port: await refusedPort() }, { timeoutMs: 300 })).reason, 'refused');
  } finally {
    await Promise.all([bad.close(), helo.close(), silent.close()]);
  }
});

test('TCP_CHECK: connect succeeds on a listener, refused on a closed port, fails on an unrouted address', async () => {
  const srv = await silentServer();
  try {
    assert.equal((await probeTcp({ host: '127.0.0.1', port: srv.port }, { connectTimeoutMs: 1000 })).ok, true);
    assert.equal((await probeTcp({ host: '127.0.0.1', port: await refusedPort() }, { connectTimeoutMs: 1000 })).reason, 'refused');
    // bindto a local address
    assert.equal((await probeTcp({ host: '127.0.0.1', port: srv.port }, { connectTimeoutMs: 1000, localAddress: '127.0.0.1' })).ok, true);
  } finally {
    await srv.close();
  }
  // TEST-NET-1 is not routed: no route, a firewall reject or no answer, never up
  const r = await probeTcp({ host: '192.0.2.1', port: 80 }, { connectTimeoutMs: 200 });
  assert.ok(['timeout', 'unreachable', 'refused'].includes(r.reason), r.reason);
});
