import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VirtualServer, RealServer } from '../../../src/config/model.ts';
import { LvsState } from '../../../src/lvs/state.ts';
import { virtualServerKey, realServerKey } from '../../../src/lvs/wanted.ts';

const src = { file: 'k.conf', line: 1 };
const rs = (address: string, weight: number, extra: Partial<RealServer> = {}): RealServer => ({ ...src, address, port: 80, weight, inhibitOnFailure: false, checkers: [], kept: [], ...extra });
function vs(extra: Partial<VirtualServer>): VirtualServer {
  return {
    ...src, address: '10.0.0.100', port: 80, lbAlgo: 'rr', lbKind: 'NAT', tunnelOptions: [], protocol: 'TCP', quorum: 1, hysteresis: 0,
    alpha: false, omega: false, haSuspend: false, inhibitOnFailure: false, delayLoopMs: 1000, sorryServerInhibit: false, weight: 1,
    realServers: [], kept: [], ...extra,
  };
}

test('a real server going down logs keepalived lines, runs notify_down and leaves the table', () => {
  const v = vs({ realServers: [rs('10.0.0.11', 1, { notifyDown: '/bin/down.sh' }), rs('10.0.0.12', 1)] });
  const st = new LvsState({ virtualServers: [v], virtualServerGroups: [] });
  assert.deepEqual(st.startup.logs, ['Starting with quorum up for VS [10.0.0.100]:tcp:80']);
  const fx = st.setAlive(virtualServerKey(v), realServerKey(v.realServers[0]), false);
  assert.deepEqual(fx.logs, ['Removing service [10.0.0.11]:tcp:80 from VS [10.0.0.100]:tcp:80']);
  assert.deepEqual(fx.scripts, [{ command: '/bin/down.sh', source: 'notify_down' }]);
  assert.deepEqual(fx.fifo, ['RS [10.0.0.11]:tcp:80 [10.0.0.100]:tcp:80 DOWN\n\0']);
  assert.deepEqual(st.table().table.services[0].dests.map((d) => d.address), ['10.0.0.12']);
  assert.equal(st.setAlive(virtualServerKey(v), realServerKey(v.realServers[0]), false).tableChanged, false);
});

test('inhibit_on_failure disables and enables instead of removing and adding', () => {
  const v = vs({ realServers: [rs('10.0.0.11', 3, { inhibitOnFailure: true }), rs('10.0.0.12', 1)] });
  const st = new LvsState({ virtualServers: [v], virtualServerGroups: [] });
  const k = virtualServerKey(v);
  assert.deepEqual(st.setAlive(k, realServerKey(v.realServers[0]), false).logs, ['Disabling service [10.0.0.11]:tcp:80 of VS [10.0.0.100]:tcp:80']);
  assert.deepEqual(st.table().table.services[0].dests.map((d) => [d.address, d.weight]), [['10.0.0.11', 0], ['10.0.0.12', 1]]);
  assert.deepEqual(st.setAlive(k, realServerKey(v.realServers[0]), true).logs, ['Enabling service [10.0.0.11]:tcp:80 of VS [10.0.0.100]:tcp:80']);
});

test('losing quorum swaps in the sorry server and runs quorum_down; regaining swaps back', () => {
  const v = vs({ quorum: 2, realServers: [rs('10.0.0.11', 1), rs('10.0.0.12', 1)], sorryServer: { address: '10.0.0.99', port: 80 }, quorumDown: '/q/down', quorumUp: '/q/up' });
  const st = new LvsState({ virtualServers: [v], virtualServerGroups: [] });
  const k = virtualServerKey(v);
  const down = st.setAlive(k, realServerKey(v.realServers[1]), false);
  assert.deepEqual(down.logs, [
    'Removing service [10.0.0.12]:tcp:80 from VS [10.0.0.100]:tcp:80',
    'Lost quorum 2-0=2 > 1 for VS [10.0.0.100]:tcp:80',
    'Removing alive servers from the pool for VS [10.0.0.100]:tcp:80',
    'Adding sorry server [10.0.0.99]:tcp:80 to VS [10.0.0.100]:tcp:80',
  ]);
  assert.deepEqual(down.scripts.map((s) => s.source), ['quorum_down']);
  assert.deepEqual(down.fifo.at(-1), 'VS [10.0.0.100]:tcp:80 DOWN\n\0');
  assert.deepEqual(st.table().table.services[0].dests.map((d) => d.address), ['10.0.0.99']);
  const up = st.setAlive(k, realServerKey(v.realServers[1]), true);
  assert.ok(up.logs.includes('Gained quorum 2+0=2 <= 2 for VS [10.0.0.100]:tcp:80'));
  assert.ok(up.logs.includes('Adding alive servers to the pool for VS [10.0.0.100]:tcp:80'));
  assert.deepEqual(st.table().table.services[0].dests.map((d) => d.address), ['10.0.0.11', '10.0.0.12']);
});

test('misc_dynamic weights change the destination weight and count towards quorum', () => {
  const v = vs({ quorum: 3, realServers: [rs('10.0.0.11', 1), rs('10.0.0.12', 2)] });
  const st = new LvsState({ virtualServers: [v], virtualServerGroups: [] });
  const k = virtualServerKey(v);
  const fx = st.setWeight(k, realServerKey(v.realServers[0]), 5);
  assert.deepEqual(fx.logs, ['Changing weight from 1 to 5 for active service [10.0.0.11]:tcp:80 of VS [10.0.0.100]:tcp:80']);
  assert.equal(st.table().table.services[0].dests[0].weight, 5);
});

test('alpha starts real servers down, so the service starts without quorum', () => {
  const v = vs({ alpha: true, realServers: [rs('10.0.0.11', 1)] });
  const st = new LvsState({ virtualServers: [v], virtualServerGroups: [] });
  assert.deepEqual(st.startup.logs, ['Starting with quorum down for VS [10.0.0.100]:tcp:80']);
  assert.deepEqual(st.table().table.services[0].dests, []);
});

test('health and dynamic weights survive a reload with the same real servers', () => {
  const v = vs({ realServers: [rs('10.0.0.11', 1), rs('10.0.0.12', 1)] });
  const a = new LvsState({ virtualServers: [v], virtualServerGroups: [] });
  a.setAlive(virtualServerKey(v), realServerKey(v.realServers[0]), false);
  a.setWeight(virtualServerKey(v), realServerKey(v.realServers[1]), 7);
  const b = new LvsState({ virtualServers: [v], virtualServerGroups: [] }, a);
  assert.deepEqual(b.startup.logs, []);
  assert.deepEqual(b.table().table.services[0].dests.map((d) => [d.address, d.weight]), [['10.0.0.12', 7]]);
});

test('omega runs notify_down and quorum_down at shutdown', () => {
  const v = vs({ omega: true, quorumDown: '/q/down', realServers: [rs('10.0.0.11', 1, { notifyDown: '/rs/down' })] });
  const st = new LvsState({ virtualServers: [v], virtualServerGroups: [] });
  assert.deepEqual(st.shutdownEffects().scripts.map((s) => s.source), ['notify_down', 'quorum_down']);
});
