// Notify scripts (argv only: the state script gets only its configured arguments, `notify` gets
// INSTANCE name STATE priority appended, nothing goes through a shell) and the notify FIFO lines
// (`INSTANCE "VI_1" MASTER 150`), as keepalived writes them.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, NotifyFifo, R1, conf, instanceBlock, labSuite, waitFor, type Daemon } from '../lib/lab.ts';

const START_MS = 8000;
const lab = new Lab('katsnt');
let d: Daemon;
let fifo: NotifyFifo | undefined;
const out = () => join(lab.dir, 'notify.out');
const pwned = () => join(lab.dir, 'pwned');
const lines = () => (existsSync(out()) ? readFileSync(out(), 'utf8').split('\n').filter(Boolean) : []);
const readFifo = () => fifo!.read();

describe('notify scripts and the notify FIFO', () => {
  labSuite(lab, [R1], { beforeClose: () => fifo?.close() });
  before(() => {
    const script = join(lab.dir, 'n.sh');
    writeFileSync(script, `#!/bin/sh\nprintf '%s|' "$@" >> ${out()}\necho >> ${out()}\n`);
    chmodSync(script, 0o755);
    fifo = new NotifyFifo(join(lab.dir, 'vrrp.fifo'));
    const text = conf(
      ['global_defs {', `  vrrp_notify_fifo ${fifo.path}`, '}'].join('\n'),
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
    assert.ok(await waitFor(() => readFifo().includes('INSTANCE "VI_1" MASTER 150\n'), 2000), fifo!.text);
    assert.ok(fifo!.text.startsWith('INSTANCE "VI_1" BACKUP 150\n'), fifo!.text);
    d.signal('SIGTERM');
    assert.ok(await d.waitExit(5000), d.dump());
    assert.ok(await waitFor(() => readFifo().includes('INSTANCE "VI_1" STOP 150\n'), 2000), fifo!.text);
    assert.ok(await waitFor(() => lines().includes('stop-only|') && lines().includes('generic|INSTANCE|VI_1|STOP|150|'), 3000), lines().join('\n'));
  });
});
