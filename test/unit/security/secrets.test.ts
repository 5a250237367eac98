// auth_pass never leaves the process in clear (issue 6): not in diagnostics (which the daemon
// logs at start and reload and check-config prints), not in the --json model, not in the
// SIGUSR1/SIGUSR2 dumps. The netns test security-adverts checks the same on a running daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelToJson } from '../../../src/config/json.ts';
import { instance, lines, load } from '../config/helpers.ts';

const auth = (pass: string) => `  version 2\n  authentication {\n    auth_type PASS\n    auth_pass ${pass}\n  }`;

test('a password with a space: the error names auth_pass but prints neither word', () => {
  const r = load(instance(auth('first second')));
  const text = lines(r.diagnostics).join('\n');
  assert.match(text, /'auth_pass' takes at most 1 argument\(s\): unexpected '\*\*\*'/);
  assert.ok(!text.includes('first') && !text.includes('second'), text);
});

test('a long password is truncated with a warning that does not print it; JSON masks it', () => {
  const r = load(instance(auth('VeryLongSecret123')));
  const text = lines(r.diagnostics).join('\n');
  assert.ok(!text.includes('VeryLong') && !text.includes('Secret123'), text);
  assert.ok(r.model, text);
  const json = JSON.stringify(modelToJson(r.model));
  assert.ok(!json.includes('VeryLong'), json);
  assert.ok(json.includes('"auth_pass":"***"'), json);
});

test('other diagnostics on an instance with a password never carry it', () => {
  // An invalid neighbour line next to the password, a v3 instance with authentication, an
  // unknown keyword inside the authentication block.
  const r = load(
    instance(`  version 3\n  priority 999\n  authentication {\n    auth_type PASS\n    auth_pass Zq9Secrt\n    auth_bogus Zq9Secrt2\n  }`),
  );
  const text = lines(r.diagnostics).join('\n');
  assert.ok(r.diagnostics.length > 0);
  assert.ok(!text.includes('Zq9Secrt'), text);
});
