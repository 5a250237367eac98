import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeTrackFile, strtol0 } from '../../../checks/track-file.ts';

test('strtol(buf, NULL, 0) semantics', () => {
  assert.equal(strtol0('42\n'), 42);
  assert.equal(strtol0('  -7 apples'), -7);
  assert.equal(strtol0('0x1f'), 31);
  assert.equal(strtol0('010'), 8);
  assert.equal(strtol0('0'), 0);
  assert.equal(strtol0('abc'), null);
});

test('track file: the number times the weight; missing and garbage read as 0 with a reason', async () => {
  const d = mkdtempSync(join(tmpdir(), 'kats-tf-'));
  try {
    const f = join(d, 'prio');
    writeFileSync(f, '5\n');
    const r = await probeTrackFile(f, { weight: -10 });
    assert.deepEqual([r.reason, r.value, r.weight], ['ok', 5, -50]);
    writeFileSync(f, 'garbage');
    const g = await probeTrackFile(f);
    assert.deepEqual([g.reason, g.value], ['garbage', 0]);
    const m = await probeTrackFile(join(d, 'missing'));
    assert.deepEqual([m.reason, m.value], ['missing', 0]);
    writeFileSync(f, '99999999999');
    const big = await probeTrackFile(f);
    assert.deepEqual([big.ok, big.reason, big.value], [false, 'range', undefined]);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
