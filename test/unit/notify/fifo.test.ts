import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, openSync, readSync, closeSync, writeFileSync, constants } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { FifoWriter } from '../../../src/notify/fifo.ts';
import { vrrpFifoLine } from '../../../src/notify/hooks.ts';

test('the FIFO is created when missing and a reader gets keepalived lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kats-fifo-'));
  try {
    const path = join(dir, 'notify.fifo');
    const w = new FifoWriter(path);
    assert.equal(w.open(), null);
    const r = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    w.write(vrrpFifoLine({ kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 100 }));
    const buf = Buffer.alloc(256);
    const n = readSync(r, buf);
    assert.equal(buf.subarray(0, n).toString(), 'INSTANCE "VI_1" MASTER 100\n');
    closeSync(r);
    w.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with no reader and a full pipe, lines are dropped and counted, never thrown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kats-fifo-'));
  try {
    const w = new FifoWriter(join(dir, 'f'));
    assert.equal(w.open(), null);
    const line = 'x'.repeat(4000) + '\n';
    let dropped = false;
    for (let i = 0; i < 100 && !dropped; i++) dropped = !w.write(line);
    assert.equal(dropped, true);
    assert.ok(w.stats.dropped >= 1);
    assert.equal(w.error, 'EAGAIN');
    w.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a regular file in the FIFO path is refused with a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kats-fifo-'));
  try {
    const p = join(dir, 'plain');
    writeFileSync(p, '');
    const err = new FifoWriter(p).open();
    assert.match(err ?? '', /not a FIFO/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
