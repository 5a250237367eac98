import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { httpServer, httpsServer } from './servers.ts';
import { parseGenhashArgs } from '../../../src/cli/cmd-genhash.ts';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', '..', '..', 'src', 'cli', 'bin.js');
const body = '<html>status page</html>\n';
const md5 = createHash('md5').update(body).digest('hex');

test('genhash argument parsing follows keepalived (-s -p -u -S -V -P -t)', () => {
  const a = parseGenhashArgs(['-s', '127.0.0.1', '-p', '80', '-u', '/x', '--ssl', '-V', 'www', '-P', '1.1', '-t', '3']);
  assert.ok(typeof a !== 'string');
  assert.deepEqual([a.server, a.port, a.url, a.ssl, a.vhost, a.proto, a.timeoutMs], ['127.0.0.1', 80, '/x', true, 'www', '1.1', 3000]);
  assert.match(parseGenhashArgs(['-s', 'localhost']) as string, /server should be an IP/);
  assert.match(parseGenhashArgs(['-p', '70000']) as string, /invalid port/);
});

test('genhash prints the body MD5 like keepalived genhash (HTTP and HTTPS, with -V)', async () => {
  const hosts: string[] = [];
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    hosts.push(req.headers.host ?? '');
    res.end(body);
  };
  const h = await httpServer(handler);
  const s = await httpsServer(handler);
  try {
    const out = await run(process.execPath, [bin, 'genhash', '-s', '127.0.0.1', '-p', String(h.port), '-u', '/'], { timeout: 20_000 });
    assert.equal(out.stdout, `${md5}\n`);
    const tls = await run(process.execPath, [bin, 'genhash', '-s', '127.0.0.1', '-p', String(s.port), '-u', '/', '--ssl', '-V', 'www.example.com'], { timeout: 20_000 });
    assert.equal(tls.stdout, `${md5}\n`);
    assert.deepEqual(hosts, [`127.0.0.1:${h.port}`, 'www.example.com']);
  } finally {
    await Promise.all([h.close(), s.close()]);
  }
});
