// `npm run lab` end to end, non-interactively: start deploy/lab/lab.ts with a unique prefix and a
// list of actions, see d1 become master, kill it, see d2 take over in the lab's output, let the lab
// quit, and check that it left no namespace, process, address or file behind.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NODE, ROOT, netnsBlocker, sh } from '../lib/netns.ts';
import { destroyNs } from '../../deploy/lab/topology.ts';

const prefix = `kl${process.pid % 100000}`;
const nsNames = ['br', 'd1', 'd2', 'c1'].map((n) => `${prefix}-${n}`);
const workDir = `/run/kats-lab-${prefix}`;

function namespacesLeft(): string[] {
  const out = sh('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(`${prefix}-`));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run lab (non-interactive)', { skip: netnsBlocker() ?? false }, () => {
  let lab: ChildProcess | null = null;
  after(async () => {
    if (lab && lab.exitCode === null && lab.signalCode === null) {
      lab.kill('SIGTERM');
      const end = Date.now() + 10_000;
      while (lab.exitCode === null && lab.signalCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      if (lab.exitCode === null) lab.kill('SIGKILL');
    }
    for (const ns of nsNames) destroyNs(ns);
    spawnSync('rm', ['-rf', workDir]);
  });

  test('d2 takes over when the master is killed, and quitting removes everything', async () => {
    const lines: string[] = [];
    lab = spawn(NODE, [join(ROOT, 'deploy/lab/lab.ts'), '--prefix', prefix, '--max-seconds', '90', '--actions', 'wait:4,kill-master,wait:4,restore,wait:4,quit'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    };
    lab.stdout!.on('data', onData);
    lab.stderr!.on('data', onData);
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        lab!.kill('SIGTERM');
      }, 100_000);
      lab!.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    const out = lines.join('\n');
    assert.equal(code, 0, out);

    // The story, in order: d1 master, killed, d2 takes over, d1 restarted, lab removed.
    const at = (re: RegExp, from = 0) => lines.findIndex((l, i) => i >= from && re.test(l));
    const m1 = at(/MASTER is now d1\b/);
    assert.ok(m1 >= 0, `d1 never became master:\n${out}`);
    const kill = at(/killing d1: link down \+ kill -9/, m1);
    assert.ok(kill > m1, `the master was not killed:\n${out}`);
    const take = at(/takeover: d2 took over/, kill);
    assert.ok(take > kill, `no takeover by d2 after the kill:\n${out}`);
    assert.ok(at(/restarting d1/, take) > take, out);
    assert.ok(at(/lab removed/, take) > take, out);
    assert.ok(!lines.some((l) => /MASTER is now d1\+d2|MASTER is now d2\+d1/.test(l)), `two masters at once:\n${out}`);
    // The client was served after the takeover.
    assert.ok(lines.slice(take).some((l) => /client ok +[1-9]\d*\.\d% last 1s/.test(l)), out);

    // Nothing left: namespaces, processes (every pid the lab announced), the VIP, files.
    assert.deepEqual(namespacesLeft(), [], out);
    const pids = [...out.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    assert.ok(pids.length >= 5, `the lab announced its pids:\n${out}`);
    // Bounded: a SIGKILLed process may take a moment to be reaped after the lab exits.
    const end = Date.now() + 5000;
    while (pids.some(alive) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const stillAlive = pids.filter(alive);
    assert.deepEqual(stillAlive, [], `processes left: ${stillAlive.join(' ')}`);
    const hostAddrs = sh('ip', ['-j', 'addr', 'show']);
    assert.ok(!hostAddrs.includes('"10.99.0.'), 'no lab address on the host');
    assert.equal(existsSync(workDir), false, `${workDir} removed`);
  });
});
