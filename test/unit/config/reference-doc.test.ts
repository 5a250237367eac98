// docs/config-reference.md is generated from the keyword table; it must be regenerated when the
// table changes (node scripts/gen-config-reference.ts --write).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configReference } from '../../../scripts/gen-config-reference.ts';

test('docs/config-reference.md matches the keyword table', () => {
  const committed = readFileSync(join(import.meta.dirname, '../../../docs/config-reference.md'), 'utf8');
  assert.equal(committed, configReference(), 'run: node scripts/gen-config-reference.ts --write');
});
