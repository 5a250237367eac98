// The takeover rehearsal (src/vrrp/rehearsal.ts) and the receive-age rule of the socket transport:
// both serve the crash-failover timer (issue 4: the takeover advert as soon as keepalived's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ip } from '../../../src/vrrp/addr.ts';
import { makeConfig } from '../../../src/vrrp/fsm.ts';
import { rehearseTakeover } from '../../../src/vrrp/rehearsal.ts';
import { MAX_RX_AGE_MS, rxAgeMs } from '../../../src/vrrp/socket-transport.ts';

const cfg = (over: Record<string, unknown> = {}) =>
  makeConfig({ name: 'VI_1', vrid: 51, primaryAddr: ip('10.0.0.2'), family: 4, version: 3, basePriority: 100, advertIntCs: 1, ...over }).config;

test('rehearsal: a backup\'s takeover path runs on a scratch state: the advert first, then VIPs and GARPs', () => {
  const acts = rehearseTakeover(cfg(), 1000);
  const kinds = acts.map((a) => a.type);
  assert.ok(kinds.includes('send_advert') && kinds.includes('add_vips') && kinds.includes('garp'), kinds.join(','));
  assert.ok(kinds.indexOf('send_advert') < kinds.indexOf('add_vips'));
  const adv = acts.find((a) => a.type === 'send_advert');
  assert.ok(adv?.type === 'send_advert' && adv.priority === 100 && adv.advertIntCs === 1);
});

test('rehearsal: an address owner (becomes master at start) and a sync-group member rehearse the same takeover', () => {
  assert.ok(rehearseTakeover(cfg({ basePriority: 255, wantMaster: true }), 0).some((a) => a.type === 'send_advert' && a.priority === 255));
  // In a group the coordinator would answer want_master; the rehearsal runs the member alone.
  assert.ok(rehearseTakeover(cfg({ syncGroup: 'VG_1', preemptDelayMs: 5000 }), 0).some((a) => a.type === 'add_vips'));
});

test('rehearsal: the config it was given is left as it was (nothing kept)', () => {
  const c = cfg({ syncGroup: 'VG_1' });
  const before = JSON.stringify(c);
  rehearseTakeover(c, 0);
  assert.equal(JSON.stringify(c), before);
});

test('transport: a packet\'s age comes from its kernel stamp, and a stamp from a stepped clock is not trusted', () => {
  assert.equal(rxAgeMs(undefined, 5000), undefined, 'no stamp');
  assert.equal(rxAgeMs(4998.5, 5000), 1.5);
  assert.equal(rxAgeMs(5000, 5000), 0);
  assert.equal(rxAgeMs(5001, 5000), undefined, 'clock stepped back after the stamp');
  assert.equal(rxAgeMs(5000 - MAX_RX_AGE_MS - 1, 5000), undefined, 'clock stepped forward');
});
