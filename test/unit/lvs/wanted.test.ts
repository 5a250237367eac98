import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VirtualServer, RealServer, VirtualServerGroup } from '../../../src/config/model.ts';
import { wantedTable, destsOf, servicesOf, realServerKey, virtualServerKey, expandRange, granularityPrefix, type VirtualServerRuntime } from '../../../src/lvs/wanted.ts';
import { updateQuorum, effectiveQuorum, initialQuorum } from '../../../src/lvs/quorum.ts';

const src = { file: 'k.conf', line: 1 };

function rs(address: string, port: number | undefined, weight = 1, extra: Partial<RealServer> = {}): RealServer {
  return { ...src, address, port, weight, inhibitOnFailure: false, checkers: [], kept: [], ...extra };
}

function vs(extra: Partial<VirtualServer> = {}): VirtualServer {
  return {
    ...src,
    address: '10.0.0.100',
    port: 80,
    lbAlgo: 'wrr',
    lbKind: 'DR',
    tunnelOptions: [],
    protocol: 'TCP',
    quorum: 1,
    hysteresis: 0,
    alpha: false,
    omega: false,
    haSuspend: false,
    inhibitOnFailure: false,
    delayLoopMs: 60000,
    sorryServerInhibit: false,
    weight: 1,
    realServers: [rs('10.0.0.11', 80, 2), rs('10.0.0.12', 80, 3)],
    kept: [],
    ...extra,
  };
}

function runtime(v: VirtualServer, alive: Record<string, boolean>, quorumUp = true): VirtualServerRuntime {
  return { quorumUp, realServers: new Map(v.realServers.map((r) => [realServerKey(r), { alive: alive[r.address] ?? true, weight: r.weight }])) };
}

test('alive real servers are destinations with their weight and the service forwarding method', () => {
  const v = vs();
  const d = destsOf(v, runtime(v, {}));
  assert.deepEqual(d.map((x) => [x.address, x.port, x.weight, x.fwd]), [['10.0.0.11', 80, 2, 'route'], ['10.0.0.12', 80, 3, 'route']]);
});

test('a failed real server is removed, or kept at weight 0 under inhibit_on_failure', () => {
  const v = vs({ realServers: [rs('10.0.0.11', 80, 2), rs('10.0.0.12', 80, 3, { inhibitOnFailure: true })] });
  const d = destsOf(v, runtime(v, { '10.0.0.11': false, '10.0.0.12': false }));
  assert.deepEqual(d.map((x) => [x.address, x.weight]), [['10.0.0.12', 0]]);
});

test('lost quorum with a sorry server: alive servers leave the pool, the sorry server serves', () => {
  const v = vs({ lbKind: 'NAT', sorryServer: { address: '10.0.0.99', port: 8080 } });
  const d = destsOf(v, runtime(v, { '10.0.0.11': true, '10.0.0.12': false }, false));
  assert.deepEqual(d.map((x) => [x.address, x.port, x.weight, x.fwd]), [['10.0.0.99', 8080, 1, 'masq']]);
});

test('lost quorum without a sorry server leaves the pool as it is', () => {
  const v = vs();
  const d = destsOf(v, runtime(v, { '10.0.0.12': false }, false));
  assert.deepEqual(d.map((x) => x.address), ['10.0.0.11']);
});

test('sorry_server_inhibit keeps the sorry server at weight 0 while quorum holds', () => {
  const v = vs({ sorryServer: { address: '10.0.0.99', port: 80 }, sorryServerInhibit: true });
  const d = destsOf(v, runtime(v, {}));
  assert.deepEqual(d.map((x) => [x.address, x.weight]), [['10.0.0.11', 2], ['10.0.0.12', 3], ['10.0.0.99', 0]]);
});

test('persistence_timeout makes a persistent service with its granularity', () => {
  const v = vs({ persistenceTimeoutSec: 360, persistenceGranularity: '255.255.255.0' });
  const { services } = servicesOf(v, new Map());
  assert.equal(services[0].flags & 1, 1);
  assert.equal(services[0].timeoutS, 360);
  assert.equal(services[0].netmask, 24);
  assert.equal(granularityPrefix(undefined, 'inet6'), 128);
});

test('fwmark services and port-less real servers', () => {
  const v = vs({ address: undefined, port: undefined, fwmark: 5, realServers: [rs('10.0.0.11', undefined)] });
  const { table } = wantedTable([v], [], new Map());
  assert.deepEqual(table.services[0].service.fwmark, 5);
  assert.equal(table.services[0].dests[0].port, 0);
  assert.equal(virtualServerKey(v), 'FWM 5');
});

test('a virtual_server_group expands members, ranges and fwmarks into services sharing destinations', () => {
  const g: VirtualServerGroup = {
    ...src,
    name: 'G',
    members: [
      { ...src, kind: 'address', address: '10.0.0.1', port: 80 },
      { ...src, kind: 'range', first: '10.0.0.10', last: '10.0.0.12', text: '10.0.0.10-12', port: 443 },
      { ...src, kind: 'fwmark', fwmark: 7 },
    ],
  };
  const v = vs({ address: undefined, port: undefined, group: 'G' });
  const { table, errors } = wantedTable([v], [g], new Map());
  assert.deepEqual(errors, []);
  assert.deepEqual(
    table.services.map((s) => s.service.fwmark ?? `${s.service.address}:${s.service.port}`),
    ['10.0.0.1:80', '10.0.0.10:443', '10.0.0.11:443', '10.0.0.12:443', 7],
  );
  assert.ok(table.services.every((s) => s.dests.length === 2));
  const missing = wantedTable([vs({ address: undefined, group: 'nope' })], [], new Map());
  assert.match(missing.errors[0], /nope/);
});

test('IPv6 ranges expand on the last hextet and huge ranges are refused', () => {
  assert.deepEqual(expandRange('2001:db8::1', '2001:db8::3'), ['2001:db8::1', '2001:db8::2', '2001:db8::3']);
  assert.match(String(expandRange('10.0.0.0', '10.255.255.255')), /more than/);
});

test('quorum is gained at quorum+hysteresis and lost below quorum-hysteresis, with keepalived lines', () => {
  const q = { quorum: 3, hysteresis: 1 };
  assert.equal(updateQuorum(false, 3, q, 'VS').up, false);
  const gain = updateQuorum(false, 4, q, '[10.0.0.100]:tcp:80');
  assert.deepEqual([gain.up, gain.changed, gain.log], [true, true, 'Gained quorum 3+1=4 <= 4 for VS [10.0.0.100]:tcp:80']);
  assert.equal(updateQuorum(true, 2, q, 'VS').up, true);
  const lose = updateQuorum(true, 1, q, 'VS');
  assert.deepEqual([lose.up, lose.log], [false, 'Lost quorum 3-1=2 > 1 for VS VS']);
  assert.equal(updateQuorum(true, 0, { quorum: 0, hysteresis: 0 }, 'VS').up, false);
});

test('quorum above the total weight and hysteresis >= quorum are reduced with warnings', () => {
  const e = effectiveQuorum({ quorum: 10, hysteresis: 12 }, 5);
  assert.deepEqual([e.quorum, e.hysteresis, e.warnings.length], [5, 4, 2]);
  assert.equal(initialQuorum(5, { quorum: 5, hysteresis: 0 }), true);
  assert.equal(initialQuorum(4, { quorum: 4, hysteresis: 1 }), false);
});
