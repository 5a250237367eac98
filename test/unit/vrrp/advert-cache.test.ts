// The instance runner reuses a master's encoded advert from one advert_int to the next
// (src/vrrp/instance.ts #cachedAdvert). Checks that what goes on the wire is still exactly what
// the encoder makes for the current priority, interval and source: a cached advert must never
// carry a stale priority or a checksum of the old source address (VRRPv3 sums the pseudo-header).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';
import { silentLogger } from '../../../src/obs/log.ts';
import { ip, type IpBytes } from '../../../src/vrrp/addr.ts';
import { makeConfig } from '../../../src/vrrp/fsm.ts';
import { InstanceRunner } from '../../../src/vrrp/instance.ts';
import { encodeAdvert } from '../../../src/vrrp/packet.ts';
import type { VrrpTransport } from '../../../src/vrrp/transport.ts';
import type { VipSpec } from '../../../src/vips/manager.ts';

const VIP: VipSpec = { family: 4, address: ip('10.0.0.100'), prefix: 32, ifindex: 2, ifname: 'eth0', scope: 0, text: '10.0.0.100/32 dev eth0' };
const GROUP = ip('224.0.0.18');

function master(version: 2 | 3) {
  const clock = new ManualClock(0);
  const sent: { payload: Uint8Array; dst: IpBytes }[] = [];
  const transport: VrrpTransport = {
    attach() {},
    detach() {},
    send(_key, payload, dst) {
      sent.push({ payload: Uint8Array.from(payload), dst });
      return undefined;
    },
    stats: () => ({ drops: {}, sent: sent.length, sendErrors: 0 }),
    close() {},
  };
  // state MASTER with priority 200: starts as backup, takes over after master_down_interval.
  const { config } = makeConfig({ name: 'VI_1', vrid: 51, primaryAddr: ip('10.0.0.1'), family: 4, version, basePriority: 200, advertIntCs: 100 });
  const binding = { key: 'VI_1', family: 4 as const, vrid: 51, ifname: 'eth0', ifindex: 2, src: ip('10.0.0.1'), group: GROUP };
  const r = new InstanceRunner(
    { config, binding, rx: { name: 'VI_1', version, vrid: 51, advertIntCs: 100, authType: 0, vips: [VIP.address] }, advertAddrs: [VIP.address], vips: [VIP] },
    {
      clock,
      transport,
      log: silentLogger(),
      vips: { add: async (v) => v.map((vip) => ({ vip })), remove: async (v) => v.map((vip) => ({ vip })) },
      garp: { send() {} },
      notify() {},
    },
  );
  r.start();
  clock.advance(4000); // master by now, sending every second
  const expected = (priority: number, src: IpBytes) => encodeAdvert({ version, vrid: 51, priority, family: 4, addrs: [VIP.address], advertIntCs: 100, authType: 0, src, dst: GROUP });
  return { r, clock, sent, binding, expected };
}

test('advert cache: repeated adverts are byte-identical to a fresh encoding', () => {
  const { r, clock, sent, expected } = master(3);
  assert.equal(r.state.state, 'MASTER');
  const from = sent.length;
  clock.advance(3000);
  assert.equal(sent.length - from, 3);
  for (const s of sent.slice(from)) assert.deepEqual(s.payload, expected(200, ip('10.0.0.1')));
});

test('advert cache: a priority change (tracker) is in the very next advert', () => {
  const { r, clock, sent, expected } = master(2);
  r.setTracker({ name: 'chk', weight: -50, reverse: false, ok: false });
  const from = sent.length;
  clock.advance(1000);
  assert.ok(sent.length > from);
  assert.equal(sent.at(-1)!.payload[2], 150);
  assert.deepEqual(sent.at(-1)!.payload, expected(150, ip('10.0.0.1')));
  r.setTracker({ name: 'chk', weight: -50, reverse: false, ok: true });
  clock.advance(1000);
  assert.deepEqual(sent.at(-1)!.payload, expected(200, ip('10.0.0.1')));
});

test('advert cache: a new source address (changed in place, as runtime.ts does) re-encodes the v3 checksum', () => {
  const { clock, sent, binding, expected } = master(3);
  clock.advance(1000);
  const before = sent.at(-1)!.payload;
  binding.src = ip('10.0.0.9');
  clock.advance(1000);
  const after = sent.at(-1)!.payload;
  assert.deepEqual(after, expected(200, ip('10.0.0.9')));
  assert.notDeepEqual(after.subarray(6, 8), before.subarray(6, 8), 'the pseudo-header checksum follows the source');
});
