// Notify scripts (argv only: the state script gets only its configured arguments, `notify` gets
// INSTANCE name STATE priority appended, nothing goes through a shell) and the notify FIFO lines
// (`INSTANCE "VI_1" MASTER 150`), as keepalived writes them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, constants, existsSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Lab, conf, instanceBlock, waitFor, type Daemon } from '../lib/lab.ts';

const START_MS = 8000;
const lab = new Lab('katsnt');
let d: Daemon;
let fifoFd: number | undefined;
let fifoText = '';
const out = () => join(lab.dir, 'notify.out');
const pwned = () => join(lab.dir, 'pwned');
const lines = () => (existsSync(out()) ? readFileSync(out(), 'utf8').split('\n').filter(Boolean) : []);
function readFifo(): string {
  const buf = Buffer.alloc(4096);
  for (;;) {
    let n = 0;
    try {
      n = readSync(fifoFd!, buf, 0, buf.length, null);
    } catch {
      break; // EAGAIN: nothing more now
    }
    if (n <= 0) break;
    fifoText += buf.subarray(0, n).toString('utf8');
  }
  return fifoText;
}

describe('notify scripts and the notify FIFO', () => {
  before(() => {
    lab.setup([{ name: 'r1', ip4: '10.99.0.1' }]);
    const script = join(lab.dir, 'n.sh');
    writeFileSync(script, `#!/bin/sh\nprintf '%s|' "$@" >> ${out()}\necho >> ${out()}\n`);
    chmodSync(script, 0o755);
    const fifo = join(lab.dir, 'vrrp.fifo');
    spawnSync('mkfifo', [fifo]);
    fifoFd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const text = conf(
      ['global_defs {', `  vrrp_notify_fifo ${fifo}`, '}'].join('\n'),
      instanceBlock({
        priority: 150,
        extra: [
          `notify_master "${script} master-only $(touch ${pwned()})"`,
          `notify_backup "${script} backup-only"`,
          `notify_stop "${script} stop-only"`,
          `notify "${script} generic"`,
        ],
      }),
    );
    d = lab.start('r1', text);
  });
  after(async () => {
    await lab.stopAll(3000);
    if (fifoFd !== undefined) closeSync(fifoFd);
    lab.close();
    lab.cleanupDir();
  });

  test('state scripts get only their own arguments; notify gets INSTANCE name STATE priority', async () => {
    assert.ok(await d.waitLine(/\(VI_1\) Entering MASTER STATE/, START_MS), d.dump());
    assert.ok(await waitFor(() => lines().length >= 4, 3000), lines().join('\n'));
    const l = lines();
    assert.ok(l.includes('backup-only|'), l.join('\n'));
    assert.ok(l.includes('generic|INSTANCE|VI_1|BACKUP|150|'), l.join('\n'));
    assert.ok(l.includes(`master-only|$(touch|${pwned()})|`), l.join('\n'));
    assert.ok(l.includes('generic|INSTANCE|VI_1|MASTER|150|'), l.join('\n'));
    assert.equal(existsSync(pwned()), false, 'no shell ever saw the configured text');
  });

  test('the FIFO gets keepalived lines for every transition, STOP included', async () => {
    assert.ok(await waitFor(() => readFifo().includes('INSTANCE "VI_1" MASTER 150\n'), 2000), fifoText);
    assert.ok(fifoText.startsWith('INSTANCE "VI_1" BACKUP 150\n'), fifoText);
    d.signal('SIGTERM');
    assert.ok(await d.waitExit(5000), d.dump());
    assert.ok(await waitFor(() => readFifo().includes('INSTANCE "VI_1" STOP 150\n'), 2000), fifoText);
    assert.ok(await waitFor(() => lines().includes('stop-only|') && lines().includes('generic|INSTANCE|VI_1|STOP|150|'), 3000), lines().join('\n'));
  });
});
