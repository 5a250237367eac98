import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { renderMetrics, startMetricsEndpoint, VRRP_STATE_VALUE } from '../../../src/obs/metrics.ts';

test('families render in Prometheus text format with escaped labels and 64-bit counters', () => {
  const text = renderMetrics([
    { name: 'keepalived_vrrp_state', help: 'State of vrrp', type: 'gauge', samples: [{ labels: { iname: 'VI_1', intf: 'eth0', vrid: 51, ip_address: '10.0.0.1' }, value: VRRP_STATE_VALUE.MASTER }] },
    { name: 'keepalived_ts_ipvs_in_bytes_total', help: 'bytes', type: 'counter', samples: [{ labels: { vs: 'a"b\\c' }, value: 18446744073709551615n }] },
  ]);
  assert.equal(
    text,
    '# HELP keepalived_vrrp_state State of vrrp\n# TYPE keepalived_vrrp_state gauge\nkeepalived_vrrp_state{iname="VI_1",intf="eth0",vrid="51",ip_address="10.0.0.1"} 2\n' +
      '# HELP keepalived_ts_ipvs_in_bytes_total bytes\n# TYPE keepalived_ts_ipvs_in_bytes_total counter\nkeepalived_ts_ipvs_in_bytes_total{vs="a\\"b\\\\c"} 18446744073709551615\n',
  );
  assert.throws(() => renderMetrics([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }]));
});

test('the endpoint binds to loopback by default and serves only its path', async () => {
  const server = await startMetricsEndpoint({ port: 0, collect: () => [{ name: 'keepalived_up', help: 'up', type: 'gauge', samples: [{ value: 1 }] }] });
  try {
    const addr = server.address() as AddressInfo;
    assert.equal(addr.address, '127.0.0.1');
    const ok = await fetch(`http://127.0.0.1:${addr.port}/metrics`);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /^keepalived_up 1$/m);
    assert.equal((await fetch(`http://127.0.0.1:${addr.port}/other`)).status, 404);
  } finally {
    server.close();
  }
});
