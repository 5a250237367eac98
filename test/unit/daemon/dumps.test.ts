// The dumps (src/daemon/dumps.ts) of instance runners driven on a fake wire: keepalived.stats
// keeps keepalived's lines and adds every drop reason we count after them; keepalived.json has
// vrrp_json.c's shape and field names (json_version 1 and 2) and never the password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/clock.ts';
import { silentLogger } from '../../../src/obs/log.ts';
import { ip } from '../../../src/vrrp/addr.ts';
import { makeConfig } from '../../../src/vrrp/fsm.ts';
import { InstanceRunner } from '../../../src/vrrp/instance.ts';
import { DROP_REASONS, encodeAdvert } from '../../../src/vrrp/packet.ts';
import type { VrrpTransport } from '../../../src/vrrp/transport.ts';
import { formatJson, formatStats } from '../../../src/daemon/dumps.ts';
import { loadConfig } from '../../../src/config/load.ts';

const CONF = `vrrp_script chk {
  script "/bin/true"
  weight -20
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass s3cr3tpw
  }
  notify_master "/usr/local/bin/master.sh"
  track_script {
    chk
  }
  virtual_ipaddress {
    10.0.0.100/24
  }
  virtual_ipaddress_excluded {
    10.0.1.100/32 dev eth1
  }
}
`;

function setup() {
  const model = loadConfig('/k.conf', { readFile: () => CONF, hostChecks: false }).model!;
  assert.ok(model);
  const clock = new ManualClock();
  let deliver: ((p: { payload: Uint8Array; meta: { family: 4; src: Uint8Array; dst: Uint8Array; ttl: number }; ifindex: number }) => void) | undefined;
  const transport: VrrpTransport = {
    attach: (_b, on) => void (deliver = on as typeof deliver),
    detach: () => undefined,
    send: () => undefined,
    stats: () => ({ drops: {}, sent: 0, sendErrors: 0 }),
    close: () => undefined,
  };
  const { config } = makeConfig({ name: 'VI_1', vrid: 51, primaryAddr: ip('10.0.0.1'), family: 4, version: 2, basePriority: 150, advertIntCs: 100 });
  const r = new InstanceRunner(
    {
      config,
      binding: { key: 'VI_1', family: 4, vrid: 51, ifname: 'eth0', ifindex: 2, src: ip('10.0.0.1'), group: ip('224.0.0.18') },
      rx: { name: 'VI_1', version: 2, vrid: 51, advertIntCs: 100, authType: 1, authPass: 's3cr3tpw', vips: [ip('10.0.0.100')] },
      advertAddrs: [ip('10.0.0.100')],
      vips: [],
      authType: 1,
      authPass: 's3cr3tpw',
    },
    { clock, transport, vips: { add: async () => [], remove: async () => [] }, garp: { send: () => undefined }, log: silentLogger(), notify: () => undefined },
  );
  r.setTracker({ name: 'chk', weight: -20, reverse: false, ok: false });
  r.start();
  clock.advance(5000); // alone: MASTER
  const advert = (o: { ttl?: number; pass?: string; bad?: boolean }) => {
    const payload = encodeAdvert({ version: 2, vrid: 51, priority: 100, family: 4, addrs: [ip('10.0.0.100')], advertIntCs: 100, authType: 1, authPass: o.pass ?? 's3cr3tpw', src: ip('10.0.0.2'), dst: ip('224.0.0.18') });
    if (o.bad) payload[6] ^= 0xff; // checksum
    deliver!({ payload, meta: { family: 4, src: ip('10.0.0.2'), dst: ip('224.0.0.18'), ttl: o.ttl ?? 255 }, ifindex: 2 });
  };
  advert({ ttl: 64 });
  advert({ pass: 'wrong' });
  advert({ bad: true });
  advert({ bad: true });
  return { model, r };
}

test('stats: keepalived\'s lines first, then every drop reason we count', () => {
  const { r } = setup();
  const text = formatStats([r]);
  const lines = text.split('\n');
  const i = lines.indexOf('  Dropped adverts by reason (keepalived-ts):');
  assert.ok(i > 0, text);
  // keepalived's block, unchanged in order, before ours.
  assert.deepEqual(lines.slice(0, 3), ['VRRP Instance: VI_1', '  Advertisements:', '    Received: 0']);
  assert.equal(lines[i - 1], '    Sent: ' + r.state.counters.priZeroTx);
  assert.ok(lines.indexOf('    TTL: 1') > 0 && lines.indexOf('    TTL: 1') < i);
  assert.ok(lines.indexOf('    Failure: 1') > 0 && lines.indexOf('    Failure: 1') < i);
  const ours = lines.slice(i + 1, i + 1 + DROP_REASONS.length);
  assert.deepEqual(ours.map((l) => l.trim().split(':')[0]), [...DROP_REASONS]);
  assert.ok(ours.includes('    checksum: 2 (not in the counters above)'), ours.join('\n'));
  assert.ok(ours.includes('    ttl: 1'));
  assert.ok(ours.includes('    auth_pass: 1'));
});

test('json: keepalived\'s {data, stats} per instance, v1 array and v2 object, no password', () => {
  const { model, r } = setup();
  const text = formatJson([r], { model, lastTransitionMs: () => 1_700_000_000_500, maintenance: new Set(['VI_1']) });
  assert.ok(!text.includes('s3cr3tpw'), 'auth_pass never written');
  const j = JSON.parse(text) as { data: Record<string, unknown>; stats: Record<string, number> }[];
  assert.ok(Array.isArray(j));
  const { data, stats } = j[0];
  assert.equal(data.iname, 'VI_1');
  assert.equal(data.vrid, 51);
  assert.equal(data.state, 2, 'MASTER as keepalived\'s number');
  assert.equal(data.base_priority, 150);
  assert.equal(data.effective_priority, 130, 'tracker -20 in force');
  assert.equal(data.master_priority, 130);
  assert.equal(data.last_transition, 1_700_000_000.5);
  assert.equal(data.adver_int, 1);
  assert.equal(data.version, 2);
  assert.equal(data.ifp_ifname, 'eth0');
  assert.deepEqual(data.vips, ['10.0.0.100/24 dev eth0']);
  assert.deepEqual(data.evips, ['10.0.1.100/32 dev eth1']);
  assert.deepEqual(data.track_script, ['/bin/true']);
  assert.equal(data.script_master, '/usr/local/bin/master.sh');
  assert.equal(data.auth_type, 1);
  assert.ok(!('auth_data' in data));
  assert.ok(!('script_backup' in data), 'absent scripts are left out as keepalived does');
  const ts = data.keepalived_ts as { state: string; trackers: { name: string; ok: boolean }[]; maintenance: boolean; drops: Record<string, number> };
  assert.equal(ts.state, 'MASTER');
  assert.deepEqual(ts.trackers.map((t) => [t.name, t.ok]), [['chk', false]]);
  assert.equal(ts.maintenance, true);
  assert.equal(ts.drops.checksum, 2);
  assert.equal(stats.ip_ttl_err, 1);
  assert.equal(stats.auth_failure, 1);
  assert.ok(stats.advert_sent > 0);
  assert.equal(stats.become_master, 1);
  const v2 = JSON.parse(formatJson([r], { model, jsonVersion: 2 })) as { vrrp: unknown[] };
  assert.equal(v2.vrrp.length, 1);
});
