// The one test entry point (`npm test`): type check, then every tier this machine can run.
// Tiers that need root, network namespaces or the VM are mandatory under CI=true: there they
// fail loudly when they cannot run instead of being skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';

const root = join(import.meta.dirname, '..');
const ci = process.env.CI === 'true' || process.env.CI === '1';
const requested = process.argv.slice(2);

interface Tier {
  name: string;
  dir: string;
  /** Why the tier cannot run here, or null when it can. */
  blocker: () => string | null;
  concurrency: number;
  timeoutMs: number;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const tiers: Tier[] = [
  { name: 'unit', dir: 'test/unit', blocker: () => null, concurrency: 2, timeoutMs: 120_000 },
  {
    name: 'netns',
    dir: 'test/netns',
    blocker: () => {
      if (!isRoot()) return 'needs root';
      if (!hasCommand('ip')) return 'needs iproute2 (ip)';
      const probe = spawnSync('ip', ['netns', 'add', `kats-probe-${process.pid}`], { encoding: 'utf8' });
      if (probe.status !== 0) return `cannot create a network namespace: ${probe.stderr.trim()}`;
      spawnSync('ip', ['netns', 'del', `kats-probe-${process.pid}`]);
      return null;
    },
    concurrency: 1,
    timeoutMs: 600_000,
  },
  {
    name: 'vm',
    dir: 'test/vm',
    blocker: () => {
      if (!hasCommand('qemu-system-x86_64')) return 'needs qemu-system-x86_64 (.ci/run installs it)';
      return null;
    },
    concurrency: 1,
    timeoutMs: 1_200_000,
  },
];

function listTests(dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.test.ts')) out.push(relative(root, p));
    }
  };
  walk(abs);
  return out.sort();
}

let passed = 0;
let failed = 0;
let skipped = 0;
let ok = true;

function runTypecheck(): void {
  console.log('== typecheck (tsc --noEmit)');
  const r = spawnSync('npx', ['tsc', '--noEmit', '-p', '.'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('typecheck failed');
    ok = false;
  }
}

function runTier(t: Tier): void {
  const files = listTests(t.dir);
  const why = t.blocker();
  if (why) {
    if (ci || requested.includes(t.name)) {
      console.error(`== tier ${t.name}: CANNOT RUN: ${why}`);
      ok = false;
      failed++;
    } else {
      console.log(`== tier ${t.name}: skipped here (${why}); it is mandatory under CI=true`);
    }
    return;
  }
  if (files.length === 0) {
    console.log(`== tier ${t.name}: no tests yet`);
    return;
  }
  console.log(`== tier ${t.name}: ${files.length} files`);
  const tmp = mkdtempSync(join(tmpdir(), 'kats-tap-'));
  const tap = join(tmp, 'out.tap');
  const r = spawnSync(
    process.execPath,
    [
      '--test',
      `--test-concurrency=${t.concurrency}`,
      `--test-timeout=${t.timeoutMs}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, KATS_TIER: t.name } },
  );
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const num = (k: string) => Number((text.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  passed += num('pass');
  failed += num('fail') + num('cancelled');
  skipped += num('skipped');
  rmSync(tmp, { recursive: true, force: true });
  if (r.status !== 0) ok = false;
}

const only = requested.length > 0 ? tiers.filter((t) => requested.includes(t.name)) : tiers;
if (requested.length === 0 || requested.includes('typecheck')) runTypecheck();
for (const t of only) runTier(t);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && failed === 0 ? 0 : 1);
