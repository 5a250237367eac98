// virtual_server / real_server / checker defaults and inheritance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FILE, lines, load } from './helpers.ts';

const vs = (body: string, head = '192.0.2.1 80'): string => `virtual_server ${head} {\n  lb_algo rr\n  lb_kind NAT\n${body}\n}\n`;

test('checker timing is inherited checker <- real_server <- virtual_server <- per-type default', () => {
  const r = load(vs('  delay_loop 10\n  connect_timeout 2\n  real_server 10.0.0.1 80 {\n    retry 7\n    HTTP_GET {\n      url {\n        path /\n      }\n    }\n    MISC_CHECK {\n      misc_path /bin/true\n      retry 0\n    }\n    DNS_CHECK {\n      delay_loop 3\n    }\n  }'));
  const [http, misc, dns] = r.model!.virtualServers[0].realServers[0].checkers;
  assert.deepEqual([http.delayLoopMs, http.connectTimeoutMs, http.retry, http.delayBeforeRetryMs, http.warmupMs], [10000, 2000, 7, 3000, 10000]);
  assert.deepEqual([misc.retry, misc.miscTimeoutMs, misc.delayBeforeRetryMs], [0, 10000, 1000]);
  assert.deepEqual([dns.delayLoopMs, dns.retry, dns.dnsType, dns.dnsName, dns.connectPort], [3000, 7, 'SOA', '.', 80]);
});

test('per-type retry defaults: 1, MISC 0, DNS 3; connect_timeout 5 s; delay_loop 60 s', () => {
  const r = load(vs('  real_server 10.0.0.1 80 {\n    TCP_CHECK {\n    }\n    MISC_CHECK {\n      misc_path /bin/true\n    }\n    DNS_CHECK {\n    }\n  }'));
  const cs = r.model!.virtualServers[0].realServers[0].checkers;
  assert.deepEqual(cs.map((c) => c.retry), [1, 0, 3]);
  assert.deepEqual([cs[0].connectTimeoutMs, cs[0].delayLoopMs], [5000, 60000]);
});

test('lb_algo defaults to wlc and lb_kind to NAT, each with keepalived\'s warning at the service line', () => {
  const r = load('virtual_server 192.0.2.1 80 {\n  protocol UDP\n  real_server 10.0.0.1 80 {\n  }\n}\n');
  const s = r.model!.virtualServers[0];
  assert.deepEqual([s.lbAlgo, s.lbKind, s.protocol, s.quorum, s.hysteresis, s.weight], ['wlc', 'NAT', 'UDP', 1, 0, 1]);
  assert.deepEqual(lines(r.diagnostics), [
    `${FILE}:1: warning: Virtual server [192.0.2.1]:80: no scheduler set, setting default 'wlc'`,
    `${FILE}:1: warning: Virtual server [192.0.2.1]:80: no forwarding method set, setting default NAT`,
  ]);
});

test('bare persistence_timeout is 360 s; a port-less service is persistent', () => {
  assert.equal(load(vs('  persistence_timeout')).model?.virtualServers[0].persistenceTimeoutSec, 360);
  assert.equal(load(vs('', '192.0.2.1')).model?.virtualServers[0].persistenceTimeoutSec, 360);
  assert.equal(load(vs('  persistence_timeout 90')).model?.virtualServers[0].persistenceTimeoutSec, 90);
});

test('a real server without port uses the service port; fwmark services keep none; VS weight and inhibit inherited', () => {
  const plain = load(vs('  real_server 10.0.0.1 {\n  }'));
  assert.deepEqual(lines(plain.diagnostics), []);
  assert.equal(plain.model!.virtualServers[0].realServers[0].port, 80);
  const ok = load(vs('  weight 4\n  inhibit_on_failure\n  real_server 10.0.0.1 {\n    TCP_CHECK {\n      connect_port 80\n    }\n  }', 'fwmark 3'));
  const rs = ok.model!.virtualServers[0].realServers[0];
  assert.deepEqual([rs.port, rs.weight, rs.inhibitOnFailure, rs.checkers[0].connectPort], [undefined, 4, true, 80]);
});

test('hysteresis >= quorum is clamped with keepalived\'s warning at the service line', () => {
  const r = load(vs('  quorum 2\n  hysteresis 2'));
  assert.equal(r.model!.virtualServers[0].hysteresis, 1);
  assert.deepEqual(lines(r.diagnostics), [`${FILE}:1: warning: Virtual server [192.0.2.1]:80: hysteresis 2 >= quorum 2; setting hysteresis to 1`]);
});

test('HTTP_GET urls: status_code lists and ranges, default 200-299, digest lower-cased', () => {
  const r = load(vs('  real_server 10.0.0.1 80 {\n    HTTP_GET {\n      url { path /a status_code 200 300-302 }\n      url { path /b digest 0CC175B9C0F1B6A831C399E269772661 }\n    }\n  }'));
  const [a, b] = r.model!.virtualServers[0].realServers[0].checkers[0].urls!;
  assert.deepEqual(a.statusCode, [[200, 200], [300, 302]]);
  assert.deepEqual(b.statusCode, [[200, 299]]);
  assert.equal(b.digest, '0cc175b9c0f1b6a831c399e269772661');
});

test('virtual_server_group members: addresses, ranges, CIDR and fwmarks', () => {
  const r = load('virtual_server_group G {\n  192.0.2.1 80\n  192.0.2.10-12 80\n  10.0.0.0/30\n  fwmark 7 inet6\n}\n' + vs('', 'group G'));
  const m = r.model!.virtualServerGroups[0].members;
  assert.deepEqual(m.map((x) => x.kind), ['address', 'range', 'range', 'fwmark']);
  assert.deepEqual(m[1].kind === 'range' && [m[1].first, m[1].last], ['192.0.2.10', '192.0.2.12']);
  assert.deepEqual(m[2].kind === 'range' && [m[2].first, m[2].last], ['10.0.0.0', '10.0.0.3']);
  assert.deepEqual(lines(r.diagnostics), []);
});

test('a sorry_server without port uses the service port (IPVS semantics)', () => {
  const s = load(vs('  sorry_server 10.9.9.9')).model!.virtualServers[0];
  assert.deepEqual(s.sorryServer, { address: '10.9.9.9', port: 80 });
});

test('fwmark services: protocol is ignored and ha_suspend cleared, each with a warning at its line', () => {
  const r = load(vs('  protocol UDP\n  ha_suspend', 'fwmark 9'));
  assert.equal(r.model!.virtualServers[0].haSuspend, false);
  assert.deepEqual(lines(r.diagnostics), [
    `${FILE}:4: warning: Warning: Virtual server FWM 9: protocol specified for fwmark - protocol will be ignored`,
    `${FILE}:1: warning: Virtual server FWM 9: cannot use ha_suspend with fwmarks - clearing ha_suspend`,
  ]);
});
