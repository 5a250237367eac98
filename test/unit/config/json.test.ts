// The --json view: keepalived keywords as keys, effective values, secrets hidden.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelToJson } from '../../../src/config/json.ts';
import { instance, load } from './helpers.ts';

test('auth_pass is never printed: "***" stands for a configured password', () => {
  const r = load(instance('  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }'));
  const text = JSON.stringify(modelToJson(r.model!));
  assert.ok(!text.includes('s3cret'));
  const inst = (modelToJson(r.model!).vrrp_instances as Record<string, unknown>[])[0];
  assert.deepEqual(inst.authentication, { auth_type: 'PASS', auth_pass: '***' });
});

test('instance keys are keepalived keywords with effective values (seconds, booleans, arrays)', () => {
  const r = load(`global_defs {\n  vrrp_version 3\n}\n${instance('  advert_int 0.5\n  unicast_peer {\n    192.0.2.9\n  }\n  notify_master "/bin/x.sh a b" nobody')}`);
  const inst = (modelToJson(r.model!).vrrp_instances as Record<string, unknown>[])[0];
  assert.equal(inst.version, 3);
  assert.equal(inst.advert_int, 0.5);
  assert.equal(inst.nopreempt, false);
  assert.deepEqual(inst.unicast_peer, ['192.0.2.9']);
  assert.equal(inst.notify_master, '/bin/x.sh a b');
  assert.equal(inst.notify_master_user, 'nobody');
  assert.deepEqual(inst.virtual_ipaddress, [{ address: '192.0.2.1', prefix: 24, dev: 'eth0', label: null, scope: 'global', brd: null }]);
  assert.deepEqual(inst.track_script, []);
});

test('top-level keys are exactly the issue\'s list', () => {
  const out = modelToJson(load(instance()).model!);
  assert.deepEqual(Object.keys(out), ['global_defs', 'vrrp_scripts', 'vrrp_track_files', 'vrrp_instances', 'vrrp_sync_groups', 'virtual_server_groups', 'virtual_servers']);
});
