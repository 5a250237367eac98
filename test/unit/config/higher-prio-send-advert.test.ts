// higher_prio_send_advert: on by default in keepalived-ts (keepalived: off), so that after a split
// brain heals the yielding master's one advert makes the winner re-announce the VIPs (issue 6,
// test/netns/vrrp-splitbrain.test.ts). Switchable off per instance and globally with the same
// optional on|off|true|false|yes|no word keepalived's parsers take; strict mode keeps it off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FILE, instance, lines, load } from './helpers.ts';

const hpsa = (text: string): boolean | undefined => load(text).model?.vrrpInstances[0].higherPrioSendAdvert;
const globals = (body: string): string => `global_defs {\n${body}\n}\n`;

test('default: on, globally and per instance, with no warning', () => {
  const r = load(instance());
  assert.equal(r.model?.globalDefs.vrrpHigherPrioSendAdvert, true);
  assert.equal(r.model?.vrrpInstances[0].higherPrioSendAdvert, true);
  assert.deepEqual(lines(r.diagnostics), []);
});

test('per instance: the bare keyword sets it, false / off / no clear it (keepalived check_true_false words)', () => {
  assert.equal(hpsa(instance('  higher_prio_send_advert')), true);
  for (const w of ['false', 'off', 'no']) assert.equal(hpsa(instance(`  higher_prio_send_advert ${w}`)), false, w);
  for (const w of ['true', 'on', 'yes']) assert.equal(hpsa(instance(`  higher_prio_send_advert ${w}`)), true, w);
});

test('globally: vrrp_higher_prio_send_advert false clears the default; an instance can still set it', () => {
  assert.equal(hpsa(globals('  vrrp_higher_prio_send_advert false') + instance()), false);
  assert.equal(hpsa(globals('  vrrp_higher_prio_send_advert off') + instance('  higher_prio_send_advert')), true);
  assert.equal(hpsa(globals('  vrrp_higher_prio_send_advert') + instance('  higher_prio_send_advert no')), false);
});

test('an invalid word is an error at its line', () => {
  const r = load(instance('  higher_prio_send_advert maybe'));
  assert.equal(r.model, null);
  assert.deepEqual(lines(r.diagnostics, 'error'), [`${FILE}:4: higher_prio_send_advert: invalid boolean 'maybe' (expected on|off|true|false|yes|no)`]);
});

test('strict mode: off by default without a warning; an explicit one is cleared with a warning at its line', () => {
  const quiet = load(globals('  vrrp_strict') + instance());
  assert.equal(quiet.model?.vrrpInstances[0].higherPrioSendAdvert, false);
  assert.deepEqual(lines(quiet.diagnostics).filter((l) => /higher_prio/.test(l)), []);
  const inst = load(instance('  strict_mode\n  higher_prio_send_advert'));
  assert.equal(inst.model?.vrrpInstances[0].higherPrioSendAdvert, false);
  assert.deepEqual(lines(inst.diagnostics).filter((l) => /higher_prio/.test(l)), [
    `${FILE}:5: warning: (VI_1) strict mode requires higher_prio_send_advert to be clear - resetting`,
  ]);
});
