// The status snapshot's renderings: status text, Prometheus families (keepalived-exporter names),
// and the inferred reason of a transition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipvsFamilies, toMetricFamilies, transitionWhy, type StatusSnapshot } from '../../../src/obs/collect.ts';
import { formatStatus } from '../../../src/obs/status.ts';
import { renderMetrics } from '../../../src/obs/metrics.ts';

const snap: StatusSnapshot = {
  pid: 42,
  version: '0.1.0',
  configFile: '/etc/keepalived/keepalived.conf',
  startedAt: '2026-01-01T00:00:00.000Z',
  now: '2026-01-01T00:01:00.000Z',
  instances: [
    {
      name: 'VI_1',
      state: 'MASTER',
      wantState: 'MASTER',
      interface: 'eth0',
      vrid: 51,
      version: 3,
      basePriority: 150,
      configuredPriority: 150,
      effectivePriority: 90,
      master: '10.0.0.1',
      masterPriority: 90,
      vips: ['10.0.0.100/32'],
      vipsHeld: true,
      faults: [],
      maintenance: false,
      lastTransition: { from: 'BACKUP', to: 'MASTER', at: '2026-01-01T00:00:03.000Z', why: 'no higher-priority master' },
      counters: { advertsTx: 10, advertsRx: 2, becomeMaster: 1, releaseMaster: 0, priZeroRx: 0, priZeroTx: 0 },
      drops: { ttl: 3, auth_pass: 1 },
    },
  ],
  virtualServers: [
    {
      virtualServer: 'tcp:10.0.0.100:80',
      quorumUp: true,
      realServers: [
        { virtualServer: 'tcp:10.0.0.100:80', realServer: '10.0.0.11:80', up: true, weight: 0, configuredWeight: 2, drained: true, lastProbe: { checker: 'TCP_CHECK', ok: true, reason: 'ok', detail: '', at: '2026-01-01T00:00:59.000Z', latencyMs: 3 } },
        { virtualServer: 'tcp:10.0.0.100:80', realServer: '10.0.0.12:80', up: false, weight: 1, configuredWeight: 1, drained: false, lastProbe: { checker: 'TCP_CHECK', ok: false, reason: 'refused', detail: 'ECONNREFUSED', at: '2026-01-01T00:00:59.000Z', latencyMs: 1 } },
      ],
    },
  ],
  ipvs: { available: true, counters: { syncs: 3, ops: 4, failedOps: 0, repairs: 0 } },
};

test('status text: instance block and one line per real server', () => {
  const t = formatStatus(snap);
  assert.match(t, /VRRP instance VI_1: MASTER  vrid 51 on eth0, v3, priority 90 \(base 150\)/);
  assert.match(t, /last transition: BACKUP -> MASTER at 2026-01-01T00:00:03.000Z: no higher-priority master/);
  assert.match(t, /dropped: ttl 3, auth_pass 1/);
  assert.match(t, /real server 10\.0\.0\.11:80: UP weight 0 \[drained\], last probe TCP_CHECK ok/);
  assert.match(t, /real server 10\.0\.0\.12:80: DOWN weight 1, last probe TCP_CHECK failed \(refused: ECONNREFUSED\)/);
});

test('metrics: exporter names and labels, drops by reason, real servers, IPVS manager', () => {
  const m = renderMetrics(toMetricFamilies(snap));
  assert.match(m, /^keepalived_vrrp_state\{iname="VI_1",intf="eth0",vrid="51",ip_address="10\.0\.0\.100\/32"\} 2$/m);
  assert.match(m, /^keepalived_advert_sent_total\{[^}]*\} 10$/m);
  assert.match(m, /^keepalived_become_master_total\{[^}]*\} 1$/m);
  assert.match(m, /^keepalived_ts_advert_dropped_total\{[^}]*reason="ttl"\} 3$/m);
  assert.match(m, /^keepalived_ts_vrrp_priority\{[^}]*kind="base"\} 150$/m);
  assert.match(m, /^keepalived_ts_real_server_weight\{virtual_server="tcp:10\.0\.0\.100:80",real_server="10\.0\.0\.11:80"\} 0$/m);
  assert.match(m, /^keepalived_ts_check_last_result\{[^}]*real_server="10\.0\.0\.12:80",checker="TCP_CHECK",reason="refused"\} 0$/m);
  assert.match(m, /^keepalived_ts_check_latency_seconds\{[^}]*real_server="10\.0\.0\.11:80"[^}]*\} 0\.003$/m);
  assert.match(m, /^keepalived_ts_ipvs_manager_total\{kind="syncs"\} 3$/m);
});

test('transition reasons', () => {
  const st = { effectivePriority: 100, faults: [] as string[] };
  assert.match(transitionWhy('BACKUP', 'FAULT', { ...st, faults: ['eth0 down'] }), /fault: eth0 down/);
  assert.equal(transitionWhy('INIT', 'MASTER', { ...st, effectivePriority: 255 }), 'address owner (priority 255)');
  assert.match(transitionWhy('MASTER', 'BACKUP', { ...st, masterAddr: '10.0.0.2', masterPriority: 200 }), /higher-priority advert from 10\.0\.0\.2 \(priority 200\)/);
  assert.match(transitionWhy('MASTER', 'BACKUP', { ...st, maintenance: true }), /maintenance/);
  assert.equal(transitionWhy('FAULT', 'BACKUP', st), 'fault cleared');
  assert.equal(transitionWhy('MASTER', 'STOP', st), 'stopping');
});

test('IPVS table families: STATS64 counters, weight and connections per real server', () => {
  const stats = (n: bigint) => ({ conns: n, inPkts: n * 10n, outPkts: n * 9n, inBytes: n * 1000n, outBytes: 2n ** 40n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n });
  const m = renderMetrics(
    ipvsFamilies({
      services: [
        {
          service: { af: 'inet', protocol: 'tcp', address: '10.0.0.100', port: 80, scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 32, stats: stats(5n) } as never,
          dests: [{ address: '10.0.0.11', port: 80, fwd: 'masq', weight: 0, upperThreshold: 0, lowerThreshold: 0, activeConns: 2, inactConns: 0, persistConns: 0, stats: stats(3n) }],
        },
      ],
    }),
  );
  assert.match(m, /^keepalived_ts_ipvs_service_connections_total\{virtual_server="tcp:10\.0\.0\.100:80"\} 5$/m);
  assert.match(m, /^keepalived_ts_ipvs_real_server_out_bytes_total\{virtual_server="tcp:10\.0\.0\.100:80",real_server="10\.0\.0\.11:80"\} 1099511627776$/m);
  assert.match(m, /^keepalived_ts_ipvs_real_server_weight\{[^}]*\} 0$/m);
  assert.match(m, /^keepalived_ts_ipvs_real_server_active_connections\{[^}]*\} 2$/m);
});
