import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { removePidFile, writePidFile } from '../../../src/daemon/pidfile.ts';

test('pid file: written with our pid, removed at exit, refused while another daemon lives, replaced when stale', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kats-pid-'));
  try {
    const f = join(dir, 'sub', 'k.pid');
    assert.equal(writePidFile(f), undefined);
    assert.equal(readFileSync(f, 'utf8'), `${process.pid}\n`);
    // A live other process (our parent) owns it: refused.
    writeFileSync(f, `${process.ppid}\n`);
    assert.match(String(writePidFile(f)), /already running/);
    // Not ours: removePidFile leaves it.
    removePidFile(f);
    assert.ok(existsSync(f));
    // Stale (no such process): replaced.
    writeFileSync(f, '2147483646\n');
    assert.equal(writePidFile(f), undefined);
    removePidFile(f);
    assert.equal(existsSync(f), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
