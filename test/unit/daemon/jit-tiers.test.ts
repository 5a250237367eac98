// src/daemon/jit-tiers.ts: the launchers start node with V8's optimising tiers off; the
// health-check side turns them back on at run time. Checked with V8's own optimisation status
// bits (--allow-natives-syntax) in a child node started with the launchers' flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { daemonNodeFlags } from '../../../deploy/lab/daemon.ts';

const root = join(import.meta.dirname, '..', '..', '..');
// V8's OptimizationStatus bits (src/runtime/runtime.h).
const NEVER_OPTIMIZE = 1 << 1;
const TURBOFANNED = 1 << 6;

function statuses(enable: boolean): { before: number; after: number } {
  const script = `
const { enableOptimizingTiers } = await import(${JSON.stringify(join(root, 'src/daemon/jit-tiers.ts'))});
const status = (fn) => { %PrepareFunctionForOptimization(fn); fn(1); fn(2); %OptimizeFunctionOnNextCall(fn); fn(3); return %GetOptimizationStatus(fn); };
const before = status((x) => x * 2 + 1);
if (${enable}) enableOptimizingTiers();
const after = status((x) => x * 3 + 1);
console.log(JSON.stringify({ before, after }));`;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', ...daemonNodeFlags, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('the launchers flags keep TurboFan off; enableOptimizingTiers turns it back on', () => {
  const { before, after } = statuses(true);
  assert.ok(before & NEVER_OPTIMIZE, `before: ${before.toString(2)}`);
  assert.equal(before & TURBOFANNED, 0);
  assert.ok(after & TURBOFANNED, `after: ${after.toString(2)}`);
});

test('without the call the tiers stay off', () => {
  const { after } = statuses(false);
  assert.equal(after & TURBOFANNED, 0);
});
