import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LvsManager } from '../../../src/lvs/manager.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { silentLogger } from '../../../src/obs/log.ts';
import { MemoryIpvs } from '../../lib/memory-ipvs.ts';
import type { IpvsTable, ServiceConfig } from '../../../src/ipvs/types.ts';

const svc = (address: string, port = 80): ServiceConfig => ({ af: 'inet', protocol: 'tcp', address, port, scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 32 });
const dest = (address: string, weight = 1) => ({ address, port: 80, fwd: 'route' as const, weight, upperThreshold: 0, lowerThreshold: 0 });
const table = (...rows: [ServiceConfig, ReturnType<typeof dest>[]][]): IpvsTable => ({ services: rows.map(([service, dests]) => ({ service, dests })) });
const settle = async (clock: ManualClock, ms = 50) => {
  for (let i = 0; i < 10; i++) {
    clock.advance(ms / 10);
    await new Promise((r) => setImmediate(r));
  }
};

test('the wanted table is installed and a foreign service is never touched', async () => {
  const kernel = new MemoryIpvs();
  kernel.table = table([svc('10.9.9.9'), [dest('10.9.9.1')]]);
  const clock = new ManualClock();
  const m = new LvsManager({ ipvs: kernel, logger: silentLogger(), clock, repairIntervalMs: 0 });
  m.setWanted(table([svc('10.0.0.100'), [dest('10.0.0.11'), dest('10.0.0.12', 3)]]));
  await settle(clock);
  assert.deepEqual(kernel.table.services.map((s) => s.service.address), ['10.9.9.9', '10.0.0.100']);
  assert.deepEqual(kernel.table.services[1].dests.map((d) => [d.address, d.weight]), [['10.0.0.11', 1], ['10.0.0.12', 3]]);
  await m.stop(true);
  assert.deepEqual(kernel.table.services.map((s) => s.service.address), ['10.9.9.9']);
});

test('a change made behind our back is put back by the periodic repair', async () => {
  const kernel = new MemoryIpvs();
  const clock = new ManualClock();
  const m = new LvsManager({ ipvs: kernel, logger: silentLogger(), clock, repairIntervalMs: 1000 });
  m.setWanted(table([svc('10.0.0.100'), [dest('10.0.0.11')]]));
  m.start();
  await settle(clock);
  kernel.table.services = [];
  await settle(clock, 1100);
  assert.deepEqual(kernel.table.services.map((s) => s.dests.length), [1]);
  kernel.table.services[0].dests[0].weight = 9;
  await settle(clock, 1100);
  assert.equal(kernel.table.services[0].dests[0].weight, 1);
  assert.ok(m.counters.repairs >= 2);
  await m.stop(false);
  assert.equal(kernel.table.services.length, 1);
});

test('services leaving the wanted table are removed; weight changes are SET_DEST only', async () => {
  const kernel = new MemoryIpvs();
  const clock = new ManualClock();
  const m = new LvsManager({ ipvs: kernel, logger: silentLogger(), clock, repairIntervalMs: 0 });
  m.setWanted(table([svc('10.0.0.100'), [dest('10.0.0.11')]], [svc('10.0.0.101'), [dest('10.0.0.11')]]));
  await settle(clock);
  kernel.applied = [];
  m.setWanted(table([svc('10.0.0.100'), [dest('10.0.0.11', 5)]]));
  await settle(clock);
  assert.deepEqual(kernel.applied.map((o) => o.kind), ['del-service', 'set-dest']);
  await m.stop(false);
});

test('hook-managed services removed by the user\'s hooks are not re-created, as keepalived', async () => {
  const kernel = new MemoryIpvs();
  const clock = new ManualClock();
  const m = new LvsManager({ ipvs: kernel, logger: silentLogger(), clock, repairIntervalMs: 1000 });
  const s = svc('192.168.0.254');
  m.setWanted(table([s, [dest('10.0.0.11'), dest('10.0.0.12')]]), [s]);
  m.start();
  await settle(clock);
  assert.equal(kernel.table.services.length, 1);
  kernel.table.services = []; // to_backup.sh: ipvsadm --clear
  await settle(clock, 1100);
  m.setWanted(table([s, [dest('10.0.0.11')]]), [s]); // a real server fails meanwhile
  await settle(clock, 1100);
  assert.equal(kernel.table.services.length, 0);
  // to_master.sh restores its saved table: our health is applied to it, the dead server leaves.
  kernel.table = table([s, [dest('10.0.0.11'), dest('10.0.0.12')]]);
  m.setWanted(table([s, [dest('10.0.0.11')]]), [s]);
  await settle(clock);
  assert.deepEqual(kernel.table.services[0].dests.map((d) => d.address), ['10.0.0.11']);
  await m.stop(false);
});

test('a lazy wanted table (setWantedSource) is built once per pass, whatever the number of changes before it', async () => {
  const kernel = new MemoryIpvs();
  const clock = new ManualClock();
  const m = new LvsManager({ ipvs: kernel, logger: silentLogger(), clock, repairIntervalMs: 0 });
  let builds = 0;
  let weight = 1;
  const source = () => {
    builds++;
    return table([svc('10.0.0.100'), [dest('10.0.0.11', weight)]]);
  };
  // A burst of 100 health changes before the coalesced pass runs.
  for (let i = 0; i < 100; i++) {
    weight = i + 1;
    m.setWantedSource(source);
  }
  await settle(clock);
  assert.equal(builds, 1);
  assert.deepEqual(kernel.table.services[0].dests.map((d) => d.weight), [100]);
  await m.stop(true);
  assert.deepEqual(kernel.table.services, []);
});
