import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTransition, planRepair, arpSysctlProblems, type SelfBalanceStep } from '../../../src/lvs/self-balance.ts';

const vip = { address: '192.168.0.254', prefix: 32, dev: 'eth0' };
const show = (steps: SelfBalanceStep[]) => steps.map((s) => (s.kind === 'vip-add' ? `add ${s.vip.address} ${s.dev} ${s.scope}` : s.kind === 'vip-del' ? `del ${s.vip.address} ${s.dev}` : s.kind));

test('becoming master: VIP on the interface before it leaves lo, services from current health, then announce', () => {
  assert.deepEqual(show(planTransition('MASTER', [vip])), ['add 192.168.0.254 eth0 global', 'ipvs-install', 'del 192.168.0.254 lo', 'announce']);
});

test('leaving master: VIP on lo before it leaves the interface, services removed last', () => {
  assert.deepEqual(show(planTransition('BACKUP', [vip])), ['add 192.168.0.254 lo host', 'del 192.168.0.254 eth0', 'ipvs-remove']);
});

test('at every step of both plans the VIP is local to the node', () => {
  for (const role of ['MASTER', 'BACKUP'] as const) {
    const here = new Set(role === 'MASTER' ? ['lo'] : ['eth0']);
    for (const s of planTransition(role, [vip])) {
      if (s.kind === 'vip-add') here.add(s.dev);
      if (s.kind === 'vip-del') here.delete(s.dev);
      assert.ok(here.size > 0, `VIP unserved after ${JSON.stringify(s)}`);
    }
  }
});

test('start-up repair after a crash while master: VIP back to lo, off the interface, services removed', () => {
  assert.deepEqual(show(planRepair([vip], { onLo: new Set(), onDev: new Set([vip.address]), servicesPresent: true })), ['add 192.168.0.254 lo host', 'del 192.168.0.254 eth0', 'ipvs-remove']);
  assert.deepEqual(planRepair([vip], { onLo: new Set([vip.address]), onDev: new Set(), servicesPresent: false }), []);
});

test('ARP sysctls: the effective value is max(all, dev) and the fix names the interface', () => {
  assert.deepEqual(arpSysctlProblems('eth0', { allArpIgnore: 0, devArpIgnore: 0, allArpAnnounce: 0, devArpAnnounce: 0 }), ['net.ipv4.conf.eth0.arp_ignore = 1', 'net.ipv4.conf.eth0.arp_announce = 2']);
  assert.deepEqual(arpSysctlProblems('eth0', { allArpIgnore: 3, devArpIgnore: 0, allArpAnnounce: 0, devArpAnnounce: 2 }), []);
});
