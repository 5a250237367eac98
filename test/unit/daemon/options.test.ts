import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDaemonArgs } from '../../../src/daemon/options.ts';

function ok(argv: string[]) {
  const r = parseDaemonArgs(argv);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.options;
}

test('the flags of a Debian unit (-n -l -D -f FILE -p PID) are understood', () => {
  const o = ok(['-n', '-l', '-D', '-f', '/etc/k.conf', '-p', '/run/k.pid']);
  assert.equal(o.configFile, '/etc/k.conf');
  assert.equal(o.pidFile, '/run/k.pid');
  assert.equal(o.logConsole, true);
  assert.equal(o.logDetail, true);
});

test('bundled short flags and glued values work as in keepalived', () => {
  const o = ok(['-nlD', '-f/x.conf', '--pid=/p']);
  assert.deepEqual([o.logConsole, o.logDetail, o.configFile, o.pidFile], [true, true, '/x.conf', '/p']);
});

test('-P and -C select one side and exclude each other', () => {
  assert.equal(ok(['-P']).vrrpOnly, true);
  assert.equal(ok(['--check']).checkOnly, true);
  const r = parseDaemonArgs(['-P', '-C']);
  assert.equal(r.ok, false);
});

test('flags without meaning for one process are accepted and reported as ignored', () => {
  const o = ok(['-R', '-r', '/run/vrrp.pid']);
  assert.equal(o.ignored.length, 2);
  assert.match(o.ignored.join(' '), /respawn/);
});

test('unknown options and missing values are errors naming the option', () => {
  const a = parseDaemonArgs(['--bogus']);
  assert.equal(a.ok, false);
  assert.match(a.ok ? '' : a.error, /--bogus/);
  const b = parseDaemonArgs(['-f']);
  assert.equal(b.ok, false);
  assert.match(b.ok ? '' : b.error, /-f/);
  const c = parseDaemonArgs(['--log-format', 'xml']);
  assert.equal(c.ok, false);
});
