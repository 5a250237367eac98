// Instance defaults and keepalived's corrections, each reported at the keyword's FILE:LINE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FILE, instance, lines, load } from './helpers.ts';

test('version comes from global_defs vrrp_version; IPv6 VIPs force version 3', () => {
  const v4 = load(`global_defs {\n vrrp_version 3\n}\n${instance()}`);
  assert.equal(v4.model?.vrrpInstances[0].version, 3);
  const v6 = load(instance('  version 2', '2001:db8::1/64'));
  assert.equal(v6.model?.vrrpInstances[0].version, 3);
  assert.equal(v6.model?.vrrpInstances[0].virtualIpaddress[0].family, 6);
});

test('defaults: priority 100 BACKUP, state MASTER alone means priority 255, advert 1 s, GARP from globals', () => {
  const r = load(`global_defs {\n vrrp_garp_master_delay 2\n vrrp_garp_master_refresh 30\n}\n${instance()}`);
  const i = r.model!.vrrpInstances[0];
  assert.deepEqual([i.priority, i.state, i.advertIntervalMs, i.garpMasterDelayMs, i.garpMasterRefreshMs, i.garpMasterRepeat], [100, 'BACKUP', 1000, 2000, 30000, 5]);
  const owner = load(instance('  state MASTER')).model!.vrrpInstances[0];
  assert.deepEqual([owner.priority, owner.state], [255, 'MASTER']);
});

test('v2 advert_int is rounded to whole seconds with a warning at its line; v3 keeps centiseconds', () => {
  const r = load(instance('  advert_int 1.5'));
  assert.equal(r.model?.vrrpInstances[0].advertIntervalMs, 2000);
  assert.deepEqual(lines(r.diagnostics), [`${FILE}:4: warning: (VI_1) VRRPv2 advertisement interval 1.500000s must be an integer. rounding to 2s`]);
  assert.equal(load(instance('  version 3\n  advert_int 0.35')).model?.vrrpInstances[0].advertIntervalMs, 350);
});

test('nopreempt with state MASTER is cleared with keepalived\'s warning at the nopreempt line', () => {
  const r = load(instance('  state MASTER\n  priority 100\n  nopreempt'));
  assert.equal(r.model?.vrrpInstances[0].nopreempt, false);
  assert.deepEqual(lines(r.diagnostics), [`${FILE}:6: warning: (VI_1) Warning - nopreempt will not work with initial state MASTER - clearing`]);
});

test('track_script: per-use weight and reverse override the script, missing scripts are errors', () => {
  const r = load(`vrrp_script s {\n script /bin/true\n weight -20 reverse\n}\n${instance('  track_script {\n    s\n    s weight 5 noreverse\n  }')}`);
  assert.deepEqual(r.model?.vrrpInstances[0].trackScripts.map((t) => [t.name, t.weight, t.reverse]), [['s', -20, true], ['s', 5, false]]);
  const bad = load(instance('  track_script {\n    nope\n  }'));
  assert.equal(bad.model, null);
  assert.deepEqual(lines(bad.diagnostics), [`${FILE}:5: (VI_1) track script nope not found`]);
});

test('track weight 254 is clamped to 253 with a warning, 255 is an error', () => {
  const r = load(`vrrp_script s {\n script /bin/true\n}\n${instance('  track_script {\n    s weight -254\n  }')}`);
  assert.equal(r.model?.vrrpInstances[0].trackScripts[0].weight, -253);
  assert.match(lines(r.diagnostics, 'warning')[0], /:8: warning: weight for s cannot be \+\/-254/);
  assert.equal(load(`vrrp_script s {\n script /bin/true\n}\n${instance('  track_script {\n    s weight 255\n  }')}`).model, null);
});

test('weighted trackers on sync group members are dropped unless sync_group_tracking_weight', () => {
  const conf = (extra: string): string =>
    `vrrp_script s {\n script /bin/true\n weight 10\n}\nvrrp_sync_group G {\n group {\n VI_1\n }\n${extra}}\n${instance('  track_script {\n    s\n  }\n  track_interface {\n    eth1 weight 5\n  }')}`;
  const dropped = load(conf(''));
  const inst = dropped.model!.vrrpInstances[0];
  assert.deepEqual(inst.trackScripts, []);
  assert.equal(inst.trackInterfaces[0].weight, 0);
  assert.ok(lines(dropped.diagnostics, 'warning').some((l) => l.includes('ignoring tracked script s with weights due to SYNC group')));
  const kept = load(conf(' sync_group_tracking_weight\n'));
  assert.equal(kept.model!.vrrpInstances[0].trackScripts[0].weight, 10);
});

test('auth_pass is truncated to 8 characters; v3 drops authentication with a warning', () => {
  const r = load(instance('  authentication {\n    auth_type PASS\n    auth_pass 123456789\n  }'));
  assert.equal(r.model?.vrrpInstances[0].authentication?.pass, '12345678');
  assert.deepEqual(lines(r.diagnostics), [`${FILE}:6: warning: Truncating auth_pass to 8 characters`]);
  const v3 = load(instance('  version 3\n  authentication {\n    auth_type PASS\n    auth_pass x\n  }'));
  assert.equal(v3.model?.vrrpInstances[0].authentication, undefined);
});

test('deprecated spellings warn at their line and land under the current keyword', () => {
  const r = load('virtual_server 192.0.2.1 80 {\n  lvs_sched wrr\n  lvs_method DR\n}\n');
  assert.equal(r.model?.virtualServers[0].lbAlgo, 'wrr');
  assert.equal(r.model?.virtualServers[0].lbKind, 'DR');
  assert.deepEqual(lines(r.diagnostics), [
    `${FILE}:2: warning: lvs_sched is deprecated - please use 'lb_algo'`,
    `${FILE}:3: warning: lvs_method is deprecated - please use 'lb_kind'`,
  ]);
});

test('unknown and unsupported keywords are errors at their line, never dropped silently', () => {
  const r = load(instance('  bogus_keyword 1\n  vrf blue'));
  assert.equal(r.model, null);
  assert.deepEqual(lines(r.diagnostics), [`${FILE}:4: Unknown keyword 'bogus_keyword'`, `${FILE}:5: 'vrf' is not supported yet`]);
});

test('a stray argument is reported against its keyword', () => {
  const r = load(instance('  priority 100 200'));
  assert.deepEqual(lines(r.diagnostics), [`${FILE}:4: 'priority' takes at most 1 argument(s): unexpected '200'`]);
});

test('nothing is dropped silently: a sub-block in a VIP list and a password without auth_type are errors', () => {
  const nested = load(instance('', '192.0.2.1/24 {\n    }'));
  assert.deepEqual(lines(nested.diagnostics, 'error'), [`${FILE}:6: unexpected block after '192.0.2.1/24' in 'virtual_ipaddress'`]);
  const noType = load(instance('  authentication {\n    auth_pass x\n  }'));
  assert.deepEqual(lines(noType.diagnostics, 'error'), [`${FILE}:4: authentication block has no auth_type (PASS or AH)`]);
});

test('strict mode: state MASTER needs priority 255 (else BACKUP with a warning), accept only for the owner', () => {
  const r = load(`global_defs {\n  vrrp_strict\n}\n${instance('  state MASTER\n  priority 200')}`);
  const i = r.model!.vrrpInstances[0];
  assert.deepEqual([i.state, i.accept, i.lowerPrioNoAdvert], ['BACKUP', false, true]);
  assert.deepEqual(lines(r.diagnostics), [`${FILE}:7: warning: (VI_1) Cannot start in MASTER state if not address owner (strict mode) - using BACKUP`]);
});
