import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, chmodSync, chownSync, existsSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { probeScript, prepareScript, splitCommand, shellCommand, resolveUser, pidAlive, unsafePathComponent } from '../../../checks/script.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'scripts');
const fx = (name: string) => join(fixtures, name);
const isRoot = process.getuid?.() === 0;

function tempDir(mode = 0o755): string {
  const d = mkdtempSync(join(tmpdir(), 'kats-script-'));
  chmodSync(d, mode);
  return d;
}

async function waitGone(pids: number[], limitMs = 3000): Promise<number[]> {
  for (let waited = 0; waited < limitMs; waited += 50) {
    const alive = pids.filter(pidAlive);
    if (alive.length === 0) return [];
    await sleep(50);
  }
  return pids.filter(pidAlive);
}

test('splitCommand follows keepalived quoting and escapes, no expansion', () => {
  assert.deepEqual(splitCommand(`/bin/x "a b" 'c d' e\\ f`), ['/bin/x', 'a b', 'c d', 'e f']);
  assert.deepEqual(splitCommand(`x "it's" 'say "hi"'`), ['x', "it's", 'say "hi"']);
  assert.deepEqual(splitCommand(`x \\x41\\102\\cA\\t`), ['x', 'AB\x01\t']);
  assert.deepEqual(splitCommand(`x a"b c"d`), ['x', 'ab cd']);
  assert.deepEqual(splitCommand('x $(touch /tmp/p) `id` ;rm'), ['x', '$(touch', '/tmp/p)', '`id`', ';rm']);
  assert.deepEqual(splitCommand('   '), []);
  assert.throws(() => splitCommand('x "unterminated'), /missing terminating/);
  assert.throws(() => splitCommand('x \\'), /Missing escape/);
  assert.equal(shellCommand(['/a b', "it's"]), `'/a b' 'it'\\''s'`);
  assert.equal(shellCommand(['</dev/tcp/127.0.0.1/80']), '</dev/tcp/127.0.0.1/80');
});

test('exit 0 succeeds, exit 1 fails with the status', async () => {
  const ok = await probeScript(`${fx('exit-code.sh')} 0`, { timeoutMs: 2000 });
  assert.equal(ok.ok, true);
  assert.equal(ok.exitCode, 0);
  const ko = await probeScript(`${fx('exit-code.sh')} 1`, { timeoutMs: 2000 });
  assert.equal(ko.ok, false);
  assert.equal(ko.reason, 'exit');
  assert.equal(ko.exitCode, 1);
  assert.equal(ko.detail, 'exited with status 1');
});

test('bare names are searched in PATH and exec-ed without a shell', () => {
  const p = prepareScript('true');
  assert.equal(p.mode, 'exec');
  assert.match(p.file, /\/true$/);
  assert.equal(prepareScript('no-such-command-kats').refused?.reason, 'not_found');
  assert.equal(prepareScript('/nonexistent/kats').refused?.reason, 'not_found');
  // an executable without #! goes through /bin/sh (keepalived with libmagic)
  const ns = prepareScript(fx('no-shebang.sh'));
  assert.equal(ns.mode, 'shell');
  assert.equal(ns.file, '/bin/sh');
  // a redirection test goes through the shell
  assert.equal(prepareScript('</dev/null').mode, 'shell');
});

test('an executable without a shebang runs through sh and reports its status', async () => {
  const r = await probeScript(fx('no-shebang.sh'), { timeoutMs: 2000 });
  assert.equal(r.exitCode, 3);
});

test('a non-executable file is not run', () => {
  const d = tempDir();
  try {
    const f = join(d, 'plain.sh');
    writeFileSync(f, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    assert.equal(prepareScript(f).refused?.reason, 'not_executable');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('a script hanging past its timeout is timed_out and its whole process tree is gone', async () => {
  const d = tempDir();
  const pidFile = join(d, 'pids');
  try {
    const r = await probeScript([fx('hang-tree.sh'), pidFile], { timeoutMs: 300, graceMs: 300 });
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'timeout');
    assert.equal(r.detail, 'timed_out');
    const pids = readFileSync(pidFile, 'utf8').split(/\s+/).filter(Boolean).map(Number);
    assert.ok(pids.length >= 3, `expected the script, its child and grandchild, got ${pids}`);
    assert.deepEqual(await waitGone(pids), [], 'no descendant survives');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('a script ignoring SIGTERM is SIGKILLed after the grace period', async () => {
  const d = tempDir();
  const pidFile = join(d, 'pids');
  try {
    const r = await probeScript([fx('hang-term-ignored.sh'), pidFile], { timeoutMs: 200, graceMs: 200 });
    assert.equal(r.reason, 'timeout');
    assert.equal(r.signal, 'SIGKILL');
    const pids = readFileSync(pidFile, 'utf8').split(/\s+/).filter(Boolean).map(Number);
    assert.deepEqual(await waitGone(pids), []);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('aborting the signal (stop/reload) kills the run and reports aborted', async () => {
  const d = tempDir();
  const pidFile = join(d, 'pids');
  try {
    const ac = new AbortController();
    const pending = probeScript([fx('hang-tree.sh'), pidFile], { timeoutMs: 10_000, graceMs: 200 }, ac.signal);
    for (let i = 0; i < 100 && !(existsSync(pidFile) && readFileSync(pidFile, 'utf8').split(/\s+/).filter(Boolean).length >= 3); i++) await sleep(20);
    ac.abort();
    const r = await pending;
    assert.equal(r.reason, 'aborted');
    const pids = readFileSync(pidFile, 'utf8').split(/\s+/).filter(Boolean).map(Number);
    assert.deepEqual(await waitGone(pids), []);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('megabytes of output neither hang nor fail the script', async () => {
  const r = await probeScript(`${fx('big-output.sh')} 16`, { timeoutMs: 10_000 });
  assert.equal(r.ok, true, r.detail);
});

test('misc_dynamic: 0 up, 1 down, 2..255 up with weight = status - 2', async () => {
  const run = (code: number) => probeScript(`${fx('exit-code.sh')} ${code}`, { timeoutMs: 2000, dynamic: true });
  const r0 = await run(0);
  assert.deepEqual([r0.ok, r0.weight], [true, undefined]);
  const r1 = await run(1);
  assert.deepEqual([r1.ok, r1.reason], [false, 'exit']);
  const r2 = await run(2);
  assert.deepEqual([r2.ok, r2.weight], [true, 0]);
  const r7 = await run(7);
  assert.deepEqual([r7.ok, r7.weight], [true, 5]);
  const r255 = await run(255);
  assert.deepEqual([r255.ok, r255.weight], [true, 253]);
  const plain = await probeScript(`${fx('exit-code.sh')} 7`, { timeoutMs: 2000 });
  assert.deepEqual([plain.ok, plain.weight], [false, undefined]);
});

test('shell metacharacters in names reach the script as plain argv (exec and sh modes)', async () => {
  const d = tempDir(0o755);
  const victim = join(d, 'victim');
  const pwned = join(d, 'pwned');
  mkdirSync(victim);
  const evil = [`chk; rm -rf ${victim}`, `$(touch ${pwned})`, `\`touch ${pwned}\``, `VI_1' ; touch ${pwned} ; '`, '*', '&& id', '| cat /etc/shadow'];
  try {
    // exec mode, argv given directly (notify-style: instance name appended)
    const out1 = join(d, 'out1');
    const r1 = await probeScript([fx('print-args.sh'), out1, ...evil], { timeoutMs: 2000 });
    assert.equal(r1.ok, true, r1.detail);
    assert.deepEqual(readFileSync(out1, 'utf8').split('\0').slice(0, -1), evil);
    // exec mode from a configured string with quotes
    const out2 = join(d, 'out2');
    const cfg = `${fx('print-args.sh')} ${out2} "chk; rm -rf ${victim}" '$(touch ${pwned})' "\`touch ${pwned}\`"`;
    await probeScript(cfg, { timeoutMs: 2000 });
    assert.deepEqual(readFileSync(out2, 'utf8').split('\0').slice(0, -1), evil.slice(0, 3));
    // sh mode (executable without #!): every argument single-quoted
    const noShebang = join(d, 'print-args-nosb');
    writeFileSync(noShebang, readFileSync(fx('print-args.sh'), 'utf8').replace(/^#!.*\n/, ''), { mode: 0o755 });
    const prep = prepareScript([noShebang, join(d, 'out3'), ...evil]);
    assert.equal(prep.mode, 'shell');
    const r3 = await probeScript(prep, { timeoutMs: 2000 });
    assert.equal(r3.ok, true, r3.detail);
    assert.deepEqual(readFileSync(join(d, 'out3'), 'utf8').split('\0').slice(0, -1), evil);
    assert.ok(existsSync(victim), 'nothing was removed');
    assert.ok(!existsSync(pwned), 'nothing was touched');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('enable_script_security refuses a script a non-root user could modify', { skip: !isRoot && 'needs root' }, () => {
  const d = tempDir(0o755);
  try {
    // world-writable file
    const f1 = join(d, 'ww.sh');
    copyFileSync(fx('exit-code.sh'), f1);
    chmodSync(f1, 0o777);
    const p1 = prepareScript(f1, { enableScriptSecurity: true });
    assert.equal(p1.refused?.reason, 'insecure');
    assert.match(p1.refused!.detail, /Unsafe permissions/);
    // file owned by nobody
    const f2 = join(d, 'owned.sh');
    copyFileSync(fx('exit-code.sh'), f2);
    chmodSync(f2, 0o755);
    chownSync(f2, 65534, 65534);
    assert.equal(prepareScript(f2, { enableScriptSecurity: true }).refused?.reason, 'insecure');
    // world-writable directory without sticky bit
    const sub = join(d, 'open');
    mkdirSync(sub);
    chmodSync(sub, 0o777);
    const f3 = join(sub, 'x.sh');
    copyFileSync(fx('exit-code.sh'), f3);
    chmodSync(f3, 0o755);
    assert.equal(unsafePathComponent(f3), sub);
    assert.equal(prepareScript(f3, { enableScriptSecurity: true }).refused?.reason, 'insecure');
    // without script security it runs, flagged insecure
    const p4 = prepareScript(f3);
    assert.equal(p4.refused, undefined);
    assert.equal(p4.insecure, true);
    // a safe script under a sticky world-writable dir (/tmp) is fine
    const safe = join(d, 'safe.sh');
    copyFileSync(fx('exit-code.sh'), safe);
    chmodSync(safe, 0o755);
    assert.equal(prepareScript(safe, { enableScriptSecurity: true }).refused, undefined);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('an insecure script refused by script security reports insecure and runs nothing', { skip: !isRoot && 'needs root' }, async () => {
  const d = tempDir(0o755);
  try {
    const f = join(d, 'ww.sh');
    writeFileSync(f, `#!/bin/sh\ntouch ${join(d, 'ran')}\n`);
    chmodSync(f, 0o777);
    const r = await probeScript(f, { timeoutMs: 2000, enableScriptSecurity: true });
    assert.equal(r.reason, 'insecure');
    assert.ok(!existsSync(join(d, 'ran')));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('script_user: the script runs as that uid/gid', { skip: !isRoot && 'needs root' }, async () => {
  const d = tempDir(0o777);
  try {
    const user = resolveUser('nobody');
    assert.equal(user.uid, 65534);
    const script = join(d, 'uid.sh');
    copyFileSync(fx('write-uid.sh'), script);
    chmodSync(script, 0o755);
    const out = join(d, 'uid');
    // the fixture path is root-owned and not writable by others: safe under script security
    const r = await probeScript([script, out], { timeoutMs: 3000, user, enableScriptSecurity: true });
    assert.equal(r.ok, true, r.detail);
    assert.equal(readFileSync(out, 'utf8').trim(), `${user.uid} ${user.gid}`);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('resolveUser accepts names, numbers and a group', () => {
  assert.deepEqual(resolveUser('root'), { uid: 0, gid: 0 });
  assert.equal(resolveUser('nobody', 'root').gid, 0);
  assert.equal(resolveUser('12345').uid, 12345);
  assert.throws(() => resolveUser('no-such-user-kats'));
});
