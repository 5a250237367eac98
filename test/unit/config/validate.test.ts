// Host checks: interfaces must exist unless host checks are off (or dynamic_interfaces is set).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FILE, instance, lines, load } from './helpers.ts';

const text = instance('  track_interface {\n    eth9\n  }', '192.0.2.1/24 dev eth8');
const interfaces = (): Set<string> => new Set(['lo', 'eth0']);

test('missing interfaces are errors at the line that names them', () => {
  const r = load(text, { interfaces });
  assert.equal(r.model, null);
  assert.deepEqual(lines(r.diagnostics), [
    `${FILE}:8: interface eth8 for ip address 192.0.2.1/24 doesn't exist`,
    `${FILE}:5: tracked interface eth9 for vrrp_instance VI_1 doesn't exist`,
  ]);
});

test('the instance interface is checked at its own line', () => {
  const r = load(instance().replace('interface eth0', 'interface nosuch0'), { interfaces });
  assert.deepEqual(lines(r.diagnostics), [`${FILE}:2: interface nosuch0 for vrrp_instance VI_1 doesn't exist`]);
});

test('hostChecks: false skips the interface checks (offline validation)', () => {
  const r = load(text, { hostChecks: false, interfaces });
  assert.ok(r.model);
  assert.deepEqual(lines(r.diagnostics), []);
});

test('dynamic_interfaces turns missing interfaces into warnings', () => {
  const r = load(`global_defs {\n  dynamic_interfaces\n}\n${text}`, { interfaces });
  assert.ok(r.model);
  assert.equal(lines(r.diagnostics, 'warning').length, 2);
});

test('the real host check reads /sys/class/net (lo always exists)', () => {
  const r = load(instance().replace('interface eth0', 'interface lo'), {});
  assert.deepEqual(lines(r.diagnostics, 'error'), []);
});
