// The addon's generic signal watcher: real-time signals (which process.on() cannot take) reach
// the callback, the process survives them, and stop() is idempotent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SIGRTMIN, watchSignal } from '../../../src/native/signals.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a real-time signal reaches the watcher, once per delivery, and does not terminate the process', async () => {
  const seen: number[] = [];
  const w = watchSignal(SIGRTMIN + 5, (n) => seen.push(n));
  try {
    process.kill(process.pid, SIGRTMIN + 5);
    for (let i = 0; i < 100 && seen.length < 1; i++) await sleep(10);
    process.kill(process.pid, SIGRTMIN + 5);
    for (let i = 0; i < 100 && seen.length < 2; i++) await sleep(10);
    assert.deepEqual(seen, [SIGRTMIN + 5, SIGRTMIN + 5]);
  } finally {
    w.stop();
    w.stop();
  }
});

test('signals the kernel does not let anyone catch are refused with a SysError', () => {
  assert.throws(() => watchSignal(9, () => {}), (e: Error & { code?: string }) => e.code === 'EINVAL');
});
