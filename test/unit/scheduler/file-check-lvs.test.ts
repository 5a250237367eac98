// FILE_CHECK end to end through the LVS wiring (src/lvs/health.ts with the track files the daemon
// passes in globals, as src/daemon/lvs-side.ts does): a real config, a real file, the real
// Scheduler; the wanted IPVS table follows the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../../src/config/load.ts';
import { Scheduler } from '../../../src/scheduler/index.ts';
import { LvsHealth } from '../../../src/lvs/health.ts';
import { silentLogger } from '../../../src/obs/log.ts';

test('FILE_CHECK: the real servers in the wanted table follow their track files (down / weight)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kats-filecheck-lvs-'));
  const maint = join(dir, 'maint');
  const boost = join(dir, 'boost');
  writeFileSync(maint, '1\n'); // the first server starts in maintenance
  writeFileSync(boost, '2\n');
  const conf = join(dir, 'k.conf');
  writeFileSync(
    conf,
    `track_file maint {
  file ${maint}
}
track_file boost {
  file ${boost}
  weight 5
}
virtual_server 10.0.0.100 80 {
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  real_server 10.0.0.1 80 {
    weight 3
    FILE_CHECK {
      track_file maint
      weight 0
    }
  }
  real_server 10.0.0.2 80 {
    weight 10
    FILE_CHECK {
      track_file boost
    }
  }
}
`,
  );
  const { model, diagnostics } = loadConfig(conf, { hostChecks: false });
  assert.ok(model, diagnostics.map((d) => d.message).join('\n'));
  const scheduler = new Scheduler({});
  const h = new LvsHealth(model, { scheduler, logger: silentLogger(), runScript: () => undefined, onTableChanged: () => undefined, globals: { trackFiles: model.trackFiles } });
  const dests = () =>
    (h.state.table().table.services[0]?.dests ?? [])
      .map((d) => `${d.address}:${d.weight}`)
      .sort()
      .join(' ');
  const until = async (want: string) => {
    for (let i = 0; i < 200 && dests() !== want; i++) await sleep(20);
    assert.equal(dests(), want);
  };
  try {
    h.start();
    // read at start: 10.0.0.1 is out, 10.0.0.2 has 10 + 2 x 5
    assert.equal(dests(), '10.0.0.2:20');
    writeFileSync(maint, '0\n');
    await until('10.0.0.1:3 10.0.0.2:20');
    writeFileSync(boost, '-1\n');
    await until('10.0.0.1:3 10.0.0.2:5');
    writeFileSync(maint, 'yes\n'); // no number reads as 0: still in
    writeFileSync(boost, '0\n');
    await until('10.0.0.1:3 10.0.0.2:10');
    writeFileSync(maint, '2\n');
    await until('10.0.0.2:10');
  } finally {
    await h.stop();
    await scheduler.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
