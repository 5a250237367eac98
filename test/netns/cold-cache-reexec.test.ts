// src/daemon/cli.ts: a daemon started on a cold compile cache (first start after an install or a
// source change) loads Node's TypeScript stripper; it fills the cache and re-executes itself once,
// in the same process (execve: same pid), so the stripper's memory is not kept for the daemon's
// life. Seen from outside: the running image's initial environment (/proc/PID/environ) carries the
// re-execution marker, the pid file holds the pid we started, the daemon started (logged its start
// line) once and runs its instance; a second start on the now warm cache does not re-execute.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, R1, conf, instanceBlock, labSuite } from '../lib/lab.ts';

const MARKER = 'KATS_TS_COLD_CACHE_REEXEC=1';
const lab = new Lab('katscc');

function initialEnv(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
}

describe('cold compile cache: one re-execution, same pid', () => {
  labSuite(lab, [R1], { stopMs: 5000 });
  const cacheDir = () => join(lab.dir, 'compile-cache');
  const cfg = conf(instanceBlock({ priority: 150, state: 'MASTER', advert: '0.1' }));

  test('the first start on an empty cache re-executes itself once and runs', async () => {
    const d = lab.start('r1', cfg, [], { NODE_COMPILE_CACHE: cacheDir() });
    try {
      assert.ok(await d.waitLine(/Entering MASTER STATE/, 15_000), d.dump());
      assert.ok(initialEnv(d.pid).includes(MARKER), 'the running image is the re-executed one');
      assert.equal(Number(readFileSync(d.pidFile, 'utf8').trim()), d.pid, 'same pid after execve');
      assert.equal(d.count(/Starting keepalived-ts/), 1, `started once:\n${d.dump()}`);
    } finally {
      d.signal('SIGTERM');
      assert.ok(await d.waitExit(5000), d.dump());
    }
  });

  test('a start on the cache the first one filled does not re-execute', async () => {
    const d = lab.start('r1', cfg, [], { NODE_COMPILE_CACHE: cacheDir() });
    try {
      assert.ok(await d.waitLine(/Entering MASTER STATE/, 15_000), d.dump());
      assert.ok(!initialEnv(d.pid).includes(MARKER), 'no re-execution on a warm cache');
    } finally {
      d.signal('SIGTERM');
      assert.ok(await d.waitExit(5000), d.dump());
    }
  });
});
