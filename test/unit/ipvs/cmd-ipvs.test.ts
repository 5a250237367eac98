// `keepalived-ts ipvs` argument handling (the listing itself is diffed against ipvsadm in the VM tier).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const bin = join(import.meta.dirname, '..', '..', '..', 'src', 'cli', 'bin.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'ipvs', ...args], { encoding: 'utf8' });

test('ipvs without a subcommand prints usage and exits 2; --help exits 0', () => {
  const r = run();
  assert.equal(r.status, 2);
  assert.match(r.stdout, /keepalived-ts ipvs list \[--stats/);
  assert.equal(run('--help').status, 0);
});

test('unknown options and subcommands are refused with exit 2', () => {
  const a = run('list', '--bogus');
  assert.equal(a.status, 2);
  assert.match(a.stderr, /unknown option --bogus/);
  const b = run('list', '--stats', '--rate');
  assert.equal(b.status, 2);
  assert.match(b.stderr, /cannot be combined/);
  const c = run('frobnicate');
  assert.equal(c.status, 2);
  assert.match(c.stderr, /unknown subcommand frobnicate/);
});

test('a kernel without IPVS (or no permission) gives exit 1 and a sentence, not a stack', { skip: process.platform !== 'linux' }, () => {
  const r = run('list', '--netns', 'kats-no-such-netns');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^keepalived-ts ipvs list: IPVS /);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
