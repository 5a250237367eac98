import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Checker, VrrpScript } from '../../../src/config/model.ts';
import { checkerMonitorOptions, checkerProbe, scriptTrackerOptions } from '../../../src/scheduler/from-model.ts';
import { httpServer } from '../checks/servers.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'scripts');

function checker(over: Partial<Checker>): Checker {
  return {
    file: 'test.conf',
    line: 1,
    type: 'TCP_CHECK',
    delayLoopMs: 1000,
    connectTimeoutMs: 500,
    retry: 1,
    delayBeforeRetryMs: 1000,
    warmupMs: 1000,
    alpha: false,
    kept: [],
    ...over,
  };
}

test('HTTP_GET from the model: urls, digest, status ranges, virtualhost inheritance', async () => {
  const body = 'model body';
  const hosts: string[] = [];
  const srv = await httpServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    res.statusCode = req.url === '/401' ? 401 : 200;
    res.end(body);
  });
  try {
    const c = checker({
      type: 'HTTP_GET',
      urls: [
        { file: 't', line: 2, path: '/', digest: createHash('md5').update(body).digest('hex'), statusCode: [[200, 299]], kept: [] },
        { file: 't', line: 3, path: '/401', statusCode: [[200, 299], [401, 401]], kept: [] },
      ],
    });
    const ctx = { rs: { address: '127.0.0.1', port: srv.port, virtualhost: 'rs.example' }, vs: '[10.0.0.1]:tcp:80' };
    const probe = checkerProbe(c, ctx);
    assert.equal(typeof probe, 'function');
    const r = await (probe as (s: AbortSignal) => Promise<{ ok: boolean; detail: string }>)(new AbortController().signal);
    assert.equal(r.ok, true, r.detail);
    assert.deepEqual(hosts, ['rs.example', 'rs.example']);
    const opts = checkerMonitorOptions('rs1/http0', c, ctx);
    assert.ok(!('unsupported' in opts));
    if (!('unsupported' in opts)) {
      assert.equal(opts.kind, 'HTTP');
      assert.equal(opts.service, `[127.0.0.1]:tcp:${srv.port}`);
      assert.equal(opts.noRetryOnFirstRun, true);
      assert.equal(opts.intervalMs, 1000);
    }
  } finally {
    await srv.close();
  }
});

test('MISC_CHECK from the model: quoted misc_path, misc_dynamic weight', async () => {
  const c = checker({ type: 'MISC_CHECK', miscPath: `${join(fixtures, 'exit-code.sh')} "9"`, miscDynamic: true, miscTimeoutMs: 2000 });
  const probe = checkerProbe(c, { rs: { address: '127.0.0.1', port: 80 } });
  assert.equal(typeof probe, 'function');
  const r = await (probe as (s: AbortSignal) => Promise<{ ok: boolean; weight?: number }>)(new AbortController().signal);
  assert.deepEqual([r.ok, r.weight], [true, 7]);
  const opts = checkerMonitorOptions('m', c, { rs: { address: '127.0.0.1', port: 80 } });
  assert.ok(!('unsupported' in opts) && opts.miscPath === join(fixtures, 'exit-code.sh'));
  // FILE_CHECK without a track_file cannot run (file-check.test.ts covers the working ones).
  assert.ok('unsupported' in checkerMonitorOptions('f', checker({ type: 'FILE_CHECK' }), { rs: { address: '127.0.0.1' } }));
  const ping = checkerMonitorOptions('p', checker({ type: 'PING_CHECK' }), { rs: { address: '127.0.0.1' } });
  assert.ok(!('unsupported' in ping) && ping.kind === 'PING');
});

test('vrrp_script from the model: a ScriptTracker configuration that runs the script', async () => {
  const s: VrrpScript = { file: 't', line: 1, name: 'chk', script: `${join(fixtures, 'exit-code.sh')} 1`, intervalMs: 2000, timeoutMs: 1000, weight: -20, weightReverse: false, rise: 2, fall: 3, initFail: false };
  const o = scriptTrackerOptions(s);
  assert.deepEqual([o.name, o.rise, o.fall, o.intervalMs], ['chk', 2, 3, 2000]);
  const r = await o.probe(new AbortController().signal);
  assert.deepEqual([r.ok, r.reason, r.exitCode], [false, 'exit', 1]);
});

test('script user: own user, then script_user, then keepalived_script if it exists', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { scriptUserFor } = await import('../../../src/scheduler/from-model.ts');
  const d = mkdtempSync(join(tmpdir(), 'kats-pw-'));
  try {
    const files = { passwd: join(d, 'passwd'), group: join(d, 'group') };
    writeFileSync(files.passwd, 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n');
    writeFileSync(files.group, 'root:x:0:\nnogroup:x:65534:\nwheel:x:10:\n');
    assert.equal(scriptUserFor(undefined, {}, files), undefined);
    assert.deepEqual(scriptUserFor(undefined, { scriptUser: ['nobody'] }, files), { uid: 65534, gid: 65534 });
    assert.deepEqual(scriptUserFor(['nobody', 'wheel'], { scriptUser: ['root'] }, files), { uid: 65534, gid: 10 });
    writeFileSync(files.passwd, 'root:x:0:0::/root:/bin/sh\nkeepalived_script:x:990:990::/:/bin/false\n');
    assert.deepEqual(scriptUserFor(undefined, {}, files), { uid: 990, gid: 990 });
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
