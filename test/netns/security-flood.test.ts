// A flood of bogus adverts (TTL 64, wrong version, unknown VRID; 20k/s for 10 s from a third
// namespace) does not starve the real ones: the backup never takes over from the live master
// (no VIP flap, no state change) and the drops are counted. Figures (rates, CPU) are printed by
// `node test/soak/flood.ts` and recorded in RELIABILITY.md, not asserted here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFlood } from '../soak/flood.ts';

test('a 10 s bogus-advert flood does not make the backup take over', { timeout: 90_000 }, async () => {
  const r = await runFlood({ prefix: 'katsflt', rate: 20_000, seconds: 10, advert: '0.1' });
  assert.ok(r.settled, r.logs);
  assert.ok(r.sent > 0, 'the flood was sent');
  assert.ok(r.ttlDropsR2 > 0 && r.ttlDropsR1 > 0, `TTL drops counted: r1 ${r.ttlDropsR1}, r2 ${r.ttlDropsR2}`);
  assert.deepEqual(r.stateChanges, [], r.logs);
  assert.equal(r.badSamples, 0, `VIP not on exactly r1 in ${r.badSamples}/${r.samples} samples\n${r.logs}`);
});
