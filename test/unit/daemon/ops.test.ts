// ops.ts helpers: --metrics address parsing, the state file, real-server arguments, and the
// daemon flags --metrics / --state-file.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseListen, parseRealServerArg, readStateFile, writeStateFile } from '../../../src/daemon/ops.ts';
import { parseDaemonArgs } from '../../../src/daemon/options.ts';

const dir = mkdtempSync(join(tmpdir(), 'kats-ops-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('--metrics: loopback unless an address is given', () => {
  assert.deepEqual(parseListen('9650'), { host: '127.0.0.1', port: 9650 });
  assert.deepEqual(parseListen('0.0.0.0:9650'), { host: '0.0.0.0', port: 9650 });
  assert.deepEqual(parseListen('[::1]:9650'), { host: '::1', port: 9650 });
  assert.throws(() => parseListen('x:y'), /ADDR/);
});

test('daemon flags --metrics and --state-file', () => {
  const r = parseDaemonArgs(['--metrics', '127.0.0.1:9650', '--state-file=/tmp/s.json']);
  assert.ok(r.ok);
  assert.equal(r.options.metrics, '127.0.0.1:9650');
  assert.equal(r.options.stateFile, '/tmp/s.json');
  const off = parseDaemonArgs([]);
  assert.ok(off.ok);
  assert.equal(off.options.metrics, undefined, 'metrics are off by default');
  for (const bad of ['nope', '1.2.3.4:99999', ':80']) assert.equal(parseDaemonArgs(['--metrics', bad]).ok, false, bad);
});

test('state file: round trip, private mode, missing or garbage reads as empty', () => {
  const p = join(dir, 'sub', 'state.json');
  const none = { drained: [], maintenance: [], schedules: [] };
  assert.deepEqual(readStateFile(p), none);
  const sched = { id: '1', kind: 'drain' as const, target: '10.0.0.1:80', cron: '0 2 * * 0', durationS: 1800 };
  writeStateFile(p, { drained: ['10.0.0.1:80'], maintenance: ['VI_1'], schedules: [sched, { ...sched, id: '2', cron: 'bogus' }] });
  assert.deepEqual(readStateFile(p), { drained: ['10.0.0.1:80'], maintenance: ['VI_1'], schedules: [sched] }, 'an invalid schedule is dropped');
  assert.equal(statSync(p).mode & 0o777, 0o600);
  writeFileSync(p, '{not json');
  assert.deepEqual(readStateFile(p), none);
  assert.deepEqual(readStateFile(undefined), none);
});

test('real-server arguments', () => {
  assert.deepEqual(parseRealServerArg('10.0.0.1:80'), { vsKey: undefined, rsKey: '10.0.0.1:80' });
  assert.deepEqual(parseRealServerArg('tcp:10.0.0.100:80/10.0.0.1:80'), { vsKey: 'tcp:10.0.0.100:80', rsKey: '10.0.0.1:80' });
  assert.deepEqual(parseRealServerArg('[2001:db8::1]:80'), { vsKey: undefined, rsKey: '[2001:db8::1]:80' });
});
