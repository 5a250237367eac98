// deploy/: every sample config and the lab's director template pass check-config, and the shipped
// notify script is valid sh and executable.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const root = join(import.meta.dirname, '..', '..', '..');
const node = join(root, 'node_modules', '.bin', 'node');
const bin = join(root, 'src', 'cli', 'bin.js');
const dir = mkdtempSync(join(tmpdir(), 'kats-deploy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const check = (file: string) => spawnSync(node, [bin, 'check-config', file, '--no-host-checks'], { encoding: 'utf8', timeout: 30_000 });

test('sample configs pass check-config', () => {
  const samples = readdirSync(join(root, 'deploy/samples')).filter((f) => f.endsWith('.conf'));
  assert.ok(samples.length >= 3, samples.join(' '));
  for (const f of samples) {
    const r = check(join(root, 'deploy/samples', f));
    assert.equal(r.status, 0, `${f}: ${r.stdout}${r.stderr}`);
  }
});

test("the lab's director template passes check-config once filled in", () => {
  const t = readFileSync(join(root, 'deploy/lab/director.conf.tmpl'), 'utf8');
  const f = join(dir, 'd1.conf');
  writeFileSync(f, t.replaceAll('@NAME@', 'd1').replaceAll('@PRIO@', '150'));
  const r = check(f);
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

test('the notify script is executable, valid sh', () => {
  const s = join(root, 'deploy/scripts/notify.sh');
  assert.ok(statSync(s).mode & 0o111, 'executable');
  const r = spawnSync('sh', ['-n', s], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
