import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notifyRuns, vrrpFifoLine, lvsFifoLine } from '../../../src/notify/hooks.ts';

test('state scripts get only their configured arguments', () => {
  const runs = notifyRuns({ master: { argv: ['/etc/k/to_master.sh', 'arg1'] } }, { kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 150 });
  assert.deepEqual(runs.map((r) => r.argv), [['/etc/k/to_master.sh', 'arg1']]);
});

test('generic notify gets INSTANCE name STATE priority appended after its own arguments', () => {
  const runs = notifyRuns(
    { backup: { argv: ['/b.sh'] }, generic: { argv: ['/n.sh', 'x'] } },
    { kind: 'INSTANCE', name: 'VI_1', state: 'BACKUP', priority: 90 },
  );
  assert.deepEqual(runs.map((r) => r.argv), [['/b.sh'], ['/n.sh', 'x', 'INSTANCE', 'VI_1', 'BACKUP', '90']]);
  assert.deepEqual(runs.map((r) => r.source), ['notify_backup', 'notify']);
});

test('groups notify with priority 0, as keepalived does', () => {
  const runs = notifyRuns({ generic: { argv: ['/n.sh'] } }, { kind: 'GROUP', name: 'VG', state: 'FAULT', priority: 77 });
  assert.deepEqual(runs[0].argv, ['/n.sh', 'GROUP', 'VG', 'FAULT', '0']);
});

test('names with shell metacharacters stay single argv entries', () => {
  const evil = 'VI_1; touch /tmp/pwned $(id)';
  const runs = notifyRuns({ generic: { argv: ['/n.sh'] } }, { kind: 'INSTANCE', name: evil, state: 'MASTER', priority: 100 });
  assert.equal(runs[0].argv[2], evil);
  assert.equal(runs[0].argv.length, 5);
});

test('no configured script means no run', () => {
  assert.deepEqual(notifyRuns({ master: { argv: ['/m.sh'] } }, { kind: 'INSTANCE', name: 'VI_1', state: 'FAULT', priority: 1 }), []);
});

test('FIFO lines use keepalived formats, LVS lines keep the trailing NUL', () => {
  assert.equal(vrrpFifoLine({ kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 100 }), 'INSTANCE "VI_1" MASTER 100\n');
  assert.equal(vrrpFifoLine({ kind: 'GROUP', name: 'VG_1', state: 'BACKUP', priority: 100 }), 'GROUP "VG_1" BACKUP 0\n');
  assert.equal(lvsFifoLine('RS', ['[1.2.3.4]:tcp:80', '[10.0.0.1]:tcp:80'], 'DOWN'), 'RS [1.2.3.4]:tcp:80 [10.0.0.1]:tcp:80 DOWN\n\0');
});
