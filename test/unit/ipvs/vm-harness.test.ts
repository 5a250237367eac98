// The VM tier's pure pieces: TAP parsing of the guest's console and section extraction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTap } from '../../../scripts/vm/tap.ts';
import { section } from '../../../scripts/vm/run.ts';

test('parseTap: passes, failures with their YAML block, skips; nested subtests and noise ignored', () => {
  const lines = [
    'TAP version 13',
    '[    5.1] random kernel line',
    '# Subtest: first',
    'ok 1 - first',
    '  ---',
    '  duration_ms: 1.5',
    '  ...',
    '# Subtest: second',
    '    # Subtest: inner',
    '    not ok 1 - inner',
    'not ok 2 - second',
    '  ---',
    "  error: 'boom'",
    '  ...',
    'ok 3 - third # SKIP no reason',
    '# pass 1',
  ];
  assert.deepEqual(parseTap(lines), [
    { name: 'first', ok: true, skipped: false, details: ['  duration_ms: 1.5'] },
    { name: 'second', ok: false, skipped: false, details: ["  error: 'boom'"] },
    { name: 'third', ok: true, skipped: true, details: [] },
  ]);
});

test('section: lines between markers', () => {
  assert.deepEqual(section(['a', 'x @@R-BEGIN@@', '1', '2', '@@R-END@@', 'b'], 'R'), ['1', '2']);
  assert.equal(section(['a'], 'R'), null);
});
