// The check-config command end to end, as a user runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = join(import.meta.dirname, '../../../src/cli/bin.js');

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withConfig(text: string, fn: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'kats-check-'));
  try {
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, text);
    fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const good = 'vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 1\n  advert_int 1.5\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n';

test('a usable config exits 0, prints warnings as FILE:LINE and the model with --json', () => {
  withConfig(good, (file) => {
    const r = run(['check-config', file, '--json']);
    assert.equal(r.status, 0);
    assert.equal(r.stderr, `${file}:4: warning: (VI_1) VRRPv2 advertisement interval 1.500000s must be an integer. rounding to 2s\n`);
    assert.equal(JSON.parse(r.stdout).vrrp_instances[0].advert_int, 2);
  });
});

test('errors exit 1, one FILE:LINE line each, nothing on stdout', () => {
  withConfig(good.replace('virtual_router_id 1', 'virtual_router_id 300'), (file) => {
    const r = run(['check-config', file, '--json']);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^${file.replace(/[.]/g, '\\.')}:3: virtual_router_id \\(VRID\\): number '300' outside range \\[1, 255\\]$`, 'm'));
  });
});

test('keepalived\'s -t -f FILE runs the same check; --no-host-checks skips interfaces', () => {
  withConfig(good.replace('interface lo', 'interface nosuch9'), (file) => {
    assert.equal(run(['-t', '-f', file]).status, 1);
    assert.equal(run(['check-config', file, '--no-host-checks']).status, 0);
  });
});

test('a missing file is an error naming the file', () => {
  const r = run(['check-config', '/nonexistent/keepalived.conf']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^\/nonexistent\/keepalived\.conf:1: /);
});
