import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skewTimeUs, masterDownIntervalUs, v2AdvertIntSec } from '../../../src/vrrp/timing.ts';
import { effectivePriority } from '../../../src/vrrp/priority.ts';

const t = (version: 2 | 3, p: number, maiCs: number, base = p, down?: number) => ({
  version,
  basePriority: base,
  effectivePriority: p,
  masterAdverIntCs: maiCs,
  downTimerAdverts: down,
});

test('v2 skew_time is (256-P)/256 s independent of advert_int (RFC 3768 6.1)', () => {
  assert.equal(skewTimeUs(t(2, 128, 100)), 500_000);
  assert.equal(skewTimeUs(t(2, 128, 500)), 500_000);
  assert.equal(skewTimeUs(t(2, 100, 100)), 609_375);
  assert.equal(skewTimeUs(t(2, 1, 100)), 996_093); // 255 * 1e6 / 256 truncated
});

test('v2 master_down_interval = 3 * advert_int + skew (man page example: advert_int 1, prio 128 => 3.5 s)', () => {
  assert.equal(masterDownIntervalUs(t(2, 128, 100)), 3_500_000);
  assert.equal(masterDownIntervalUs(t(2, 128, 200)), 6_500_000);
});

test('v3 skew_time = ((256-P) * Master_Adver_Interval) / 256 (RFC 5798 6.1)', () => {
  assert.equal(skewTimeUs(t(3, 128, 100)), 500_000);
  assert.equal(skewTimeUs(t(3, 128, 10)), 50_000);
  assert.equal(skewTimeUs(t(3, 100, 1)), 6093); // 156 * 1 * 625 / 16 = 6093.75, truncated like keepalived
  assert.equal(masterDownIntervalUs(t(3, 100, 10)), 300_000 + 60_937);
});

test('down_timer_adverts replaces the 3', () => {
  assert.equal(masterDownIntervalUs(t(2, 128, 100, 128, 5)), 5_500_000);
});

test('skew uses the effective priority, except 255 for an address owner', () => {
  assert.equal(skewTimeUs(t(2, 80, 100, 100)), Math.trunc((176 * 1e6) / 256));
  assert.equal(skewTimeUs(t(2, 254, 100, 255)), Math.trunc((1 * 1e6) / 256));
});

test('v2 interval field rounds up to whole seconds, at least 1', () => {
  assert.deepEqual([10, 100, 101, 250, 30000].map(v2AdvertIntSec), [1, 1, 2, 3, 255]);
});

test('priority: weight > 0 added when OK, weight < 0 added when KO', () => {
  const r = effectivePriority(100, [
    { name: 'a', weight: 10, reverse: false, ok: true },
    { name: 'b', weight: 5, reverse: false, ok: false },
    { name: 'c', weight: -20, reverse: false, ok: false },
    { name: 'd', weight: -7, reverse: false, ok: true },
  ]);
  assert.equal(r.effectivePriority, 90);
  assert.deepEqual(r.faults, []);
});

test('priority: reverse flips the direction', () => {
  assert.equal(effectivePriority(100, [{ name: 'a', weight: 10, reverse: true, ok: true }]).effectivePriority, 90);
  assert.equal(effectivePriority(100, [{ name: 'a', weight: 10, reverse: true, ok: false }]).effectivePriority, 100);
  assert.equal(effectivePriority(100, [{ name: 'a', weight: -10, reverse: true, ok: false }]).effectivePriority, 110);
  assert.equal(effectivePriority(100, [{ name: 'a', weight: -10, reverse: true, ok: true }]).effectivePriority, 100);
});

test('priority: clamped to [1, 254]', () => {
  assert.equal(effectivePriority(250, [{ name: 'a', weight: 50, reverse: false, ok: true }]).effectivePriority, 254);
  assert.equal(effectivePriority(10, [{ name: 'a', weight: -50, reverse: false, ok: false }]).effectivePriority, 1);
  assert.equal(effectivePriority(10, [{ name: 'a', weight: -50, reverse: false, ok: false }]).totalPriority, -40);
});

test('priority: base 255 (address owner) is immune to tracking', () => {
  assert.equal(effectivePriority(255, [{ name: 'a', weight: -50, reverse: false, ok: false }]).effectivePriority, 255);
});

test('priority: weight-0 tracker KO faults the instance (OK with reverse)', () => {
  assert.deepEqual(effectivePriority(100, [{ name: 'chk', weight: 0, reverse: false, ok: false }]).faults, ['chk']);
  assert.deepEqual(effectivePriority(100, [{ name: 'chk', weight: 0, reverse: false, ok: true }]).faults, []);
  assert.deepEqual(effectivePriority(100, [{ name: 'chk', weight: 0, reverse: true, ok: true }]).faults, ['chk']);
});
