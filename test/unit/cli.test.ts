import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optionValue } from '../../src/cli/main.ts';

test('optionValue reads keepalived-style short, glued and long options', () => {
  assert.equal(optionValue(['-f', 'a.conf'], '-f', '--use-file'), 'a.conf');
  assert.equal(optionValue(['-fb.conf'], '-f', '--use-file'), 'b.conf');
  assert.equal(optionValue(['--use-file=c.conf'], '-f', '--use-file'), 'c.conf');
  assert.equal(optionValue(['-n', '-l'], '-f', '--use-file'), undefined);
});
