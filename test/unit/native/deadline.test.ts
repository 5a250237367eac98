// src/native/deadline.ts and the addon's timerfd calls: a kernel deadline fires once, never early,
// from the event loop; cancel stops it; neither leaves a descriptor behind; bad arguments throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { deadline } from '../../../src/native/deadline.ts';
import { native, nativeAvailable } from '../../../src/native/index.ts';

const ci = process.env.CI === 'true' || process.env.CI === '1';
const skip = !nativeAvailable() && !ci ? 'native addon not built (npx node-gyp rebuild -C src/native)' : false;
const fds = () => readdirSync('/proc/self/fd').length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('fires once, not before its time, and closes its timerfd', { skip }, async () => {
  const before = fds();
  const start = performance.now();
  const at: number[] = [];
  deadline(7.5, () => at.push(performance.now()));
  assert.equal(fds(), before + 1, 'one timerfd while armed');
  await sleep(40);
  assert.equal(at.length, 1);
  assert.ok(at[0] - start >= 7.5, `fired after ${(at[0] - start).toFixed(3)} ms`);
  assert.equal(fds(), before, 'the timerfd is closed once fired');
});

test('a deadline of 0 or in the past fires at once (a zero it_value would disarm the timerfd)', { skip }, async () => {
  let n = 0;
  deadline(0, () => n++);
  deadline(-5, () => n++);
  await sleep(20);
  assert.equal(n, 2);
});

test('cancel before the deadline: never fires, the descriptor is gone, cancel twice is harmless', { skip }, async () => {
  const before = fds();
  let n = 0;
  const d = deadline(5, () => n++);
  d.cancel();
  d.cancel();
  assert.equal(fds(), before);
  await sleep(20);
  assert.equal(n, 0);
});

test('the addon calls: timerfd read is null before expiry and the expiry count after; errors name the syscall', { skip }, async () => {
  const n = native();
  const fd = n.timerfdCreate(1);
  try {
    n.timerfdSet(fd, 5, false);
    assert.equal(n.read(fd, 8), null, 'not expired yet: EAGAIN is null');
    await sleep(20);
    const b = n.read(fd, 8);
    assert.ok(b && b.length === 8);
    assert.equal(b.readBigUInt64LE(0), 1n);
  } finally {
    n.close(fd);
  }
  assert.throws(() => n.timerfdCreate(12345), (e: Error & { syscall?: string; code?: string }) => e.syscall === 'timerfd_create' && e.code === 'EINVAL');
  assert.throws(() => n.timerfdSet(-1, 1, false), (e: Error & { syscall?: string }) => e.syscall === 'timerfd_settime');
  assert.throws(() => n.read(-1, 8), (e: Error & { syscall?: string; code?: string }) => e.syscall === 'read' && e.code === 'EBADF');
  assert.throws(() => (n.timerfdSet as (...a: unknown[]) => void)(fd), TypeError);
});
