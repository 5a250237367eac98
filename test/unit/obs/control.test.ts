import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startControlServer, controlRequest } from '../../../src/obs/control.ts';

test('requests reach the handler and replies come back; the socket is owner-only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kats-ctl-'));
  const path = join(dir, 'run', 'control.sock');
  const server = await startControlServer(path, (req) => (req.cmd === 'status' ? { ok: true, data: { instances: 1, big: 2n ** 64n } } : { ok: false, error: `unknown command ${req.cmd}` }));
  try {
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'run')).mode & 0o777, 0o700);
    assert.deepEqual(await controlRequest(path, { cmd: 'status' }), { ok: true, data: { instances: 1, big: '18446744073709551616' } });
    assert.deepEqual(await controlRequest(path, { cmd: 'nope' }), { ok: false, error: 'unknown command nope' });
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a handler that throws yields an error reply, and a missing daemon a clear message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kats-ctl-'));
  const path = join(dir, 'c.sock');
  const server = await startControlServer(path, () => {
    throw new Error('boom');
  });
  try {
    const r = await controlRequest(path, { cmd: 'x' });
    assert.deepEqual(r, { ok: false, error: 'x failed: boom' });
  } finally {
    server.close();
  }
  const gone = await controlRequest(join(dir, 'missing.sock'), { cmd: 'status' });
  assert.equal(gone.ok, false);
  assert.match(gone.ok ? '' : gone.error, /not running/);
  rmSync(dir, { recursive: true, force: true });
});

test('an existing directory keeps its mode (a socket in /tmp or /run must not chmod them)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kats-ctl-'));
  chmodSync(dir, 0o1777);
  const path = join(dir, 'c.sock');
  const server = await startControlServer(path, () => ({ ok: true, data: null }));
  try {
    assert.equal(statSync(dir).mode & 0o7777, 0o1777);
    assert.equal(statSync(path).mode & 0o777, 0o600);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
