import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadConfig } from '../../../src/config/load.ts';
import { Scheduler } from '../../../src/scheduler/index.ts';
import { LvsHealth } from '../../../src/lvs/health.ts';
import { silentLogger } from '../../../src/obs/log.ts';

function listen(): Promise<Server> {
  return new Promise((r) => {
    const s = createServer((c) => c.end());
    s.listen(0, '127.0.0.1', () => r(s));
  });
}

test('a real TCP backend that stops listening leaves the wanted table and runs notify_down', async () => {
  const up = await listen();
  const stay = await listen();
  const upPort = (up.address() as AddressInfo).port;
  const stayPort = (stay.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'kats-lvs-'));
  const conf = join(dir, 'k.conf');
  writeFileSync(
    conf,
    `virtual_server 10.0.0.100 80 {
  delay_loop 0.2
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 127.0.0.1 ${upPort} {
    notify_down "/bin/true down"
    TCP_CHECK {
      connect_timeout 0.5
      retry 0
      warmup 0
    }
  }
  real_server 127.0.0.1 ${stayPort} {
    TCP_CHECK {
      connect_timeout 0.5
      retry 0
      warmup 0
    }
  }
}
`,
  );
  const { model, diagnostics } = loadConfig(conf, { hostChecks: false });
  assert.ok(model, diagnostics.map((d) => d.message).join('\n'));
  const scheduler = new Scheduler({});
  const scripts: string[] = [];
  let changes = 0;
  const h = new LvsHealth(model, { scheduler, logger: silentLogger(), runScript: (c, s) => scripts.push(`${s}:${c}`), onTableChanged: () => changes++ });
  try {
    h.start();
    const ports = () => h.state.table().table.services[0].dests.map((d) => d.port).sort();
    assert.deepEqual(ports(), [upPort, stayPort].sort());
    await new Promise<void>((r) => up.close(() => r()));
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && ports().length === 2) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(ports(), [stayPort]);
    assert.ok(changes >= 1);
    assert.deepEqual(scripts, ['notify_down:/bin/true down']);
  } finally {
    await h.stop();
    await scheduler.stop();
    stay.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
