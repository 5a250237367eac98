// The LVS manager diffs against the table as last applied: the kernel is read at start-up, on the
// periodic repair pass and after a failed operation only (see src/lvs/manager.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LvsManager } from '../../../src/lvs/manager.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { silentLogger } from '../../../src/obs/log.ts';
import { MemoryIpvs } from '../../lib/memory-ipvs.ts';
import type { IpvsOp, IpvsTable, ServiceConfig } from '../../../src/ipvs/types.ts';
import type { ApplyResult } from '../../../src/lvs/manager.ts';

const svc = (address: string, scheduler = 'wrr'): ServiceConfig => ({ af: 'inet', protocol: 'tcp', address, port: 80, scheduler, flags: 0, timeoutS: 0, netmask: 32 });
const dest = (address: string, weight = 1) => ({ address, port: 8080, fwd: 'masq' as const, weight, upperThreshold: 0, lowerThreshold: 0 });

/** The in-memory kernel, counting whole-table reads and apply batches. */
class CountingIpvs extends MemoryIpvs {
  reads = 0;
  batches: IpvsOp[][] = [];
  /** Called on each read, e.g. to make a read take (manual) time. */
  onRead: () => void = () => undefined;
  override async getTable(): Promise<IpvsTable> {
    this.reads++;
    this.onRead();
    return super.getTable();
  }
  override async apply(ops: IpvsOp[]): Promise<ApplyResult[]> {
    this.batches.push(ops);
    return super.apply(ops);
  }
}

/** S services x D real servers, the ones for which `down(i, j)` holds left out. */
function big(S: number, D: number, down: (i: number, j: number) => boolean = () => false): IpvsTable {
  const services = [];
  for (let i = 0; i < S; i++) {
    const dests = [];
    for (let j = 0; j < D; j++) if (!down(i, j)) dests.push(dest(`10.${200 + (i >> 8)}.${i & 255}.${j + 1}`));
    services.push({ service: svc(`10.100.${i >> 8}.${i & 255}`), dests });
  }
  return { services };
}

const settle = async (clock: ManualClock, ms = 50, steps = 10) => {
  for (let i = 0; i < steps; i++) {
    clock.advance(ms / steps);
    await new Promise((r) => setImmediate(r));
  }
};

const weights = (k: MemoryIpvs) => k.table.services.map((s) => s.dests.map((d) => `${d.address}=${d.weight}`).join(','));

test('ordinary passes diff against the table as last applied: the kernel is read once, at start-up', async () => {
  const kernel = new CountingIpvs();
  const clock = new ManualClock();
  const m = new LvsManager({ ipvs: kernel, logger: silentLogger(), clock, repairIntervalMs: 0 });
  m.setWanted({ services: [{ service: svc('10.0.0.100'), dests: [dest('10.0.0.11'), dest('10.0.0.12')] }] });
  await settle(clock);
  assert.equal(kernel.reads, 1);
  // Health changes and a reload, each its own pass.
  m.setWanted({ services: [{ service: svc('10.0.0.100'), dests: [dest('10.0.0.11')] }] });
  await settle(clock);
  m.setWanted({ services: [{ service: svc('10.0.0.100'), dests: [dest('10.0.0.11', 4), dest('10.0.0.13')] }] });
  await settle(clock);
  m.setWanted({ services: [{ service: svc('10.0.0.100', 'rr'), dests: [dest('10.0.0.13')] }, { service: svc('10.0.0.101'), dests: [dest('10.0.0.11')] }] });
  await settle(clock);
  assert.equal(kernel.reads, 1, 'no kernel read on an ordinary pass');
  assert.equal(m.counters.syncs, 4);
  assert.deepEqual(weights(kernel), ['10.0.0.13=1', '10.0.0.11=1']);
  assert.equal(kernel.table.services[0].service.scheduler, 'rr');
  // Each pass sent only its difference, never a re-creation.
  assert.deepEqual(kernel.batches.slice(1).map((b) => b.map((o) => o.kind)), [
    ['del-dest'],
    ['set-dest', 'new-dest'],
    ['set-service', 'del-dest', 'new-service', 'new-dest'],
  ]);
  await m.stop(true);
  assert.deepEqual(kernel.table.services, []);
  assert.equal(kernel.reads, 1, 'release on stop uses the applied table too');
});

test('a failed operation makes the manager resync from the kernel, once, and put the table right', async () => {
  const kernel = new CountingIpvs();
  const clock = new ManualClock();
  const m = new LvsManager({ ipvs: kernel, logger: silentLogger(), clock, repairIntervalMs: 0 });
  const a = svc('10.0.0.100');
  const b = svc('10.0.0.101');
  m.setWanted({ services: [{ service: a, dests: [dest('10.0.0.11'), dest('10.0.0.12')] }, { service: b, dests: [dest('10.0.0.11')] }] });
  await settle(clock);
  // ipvsadm -D behind our back, then a health change on that service: SET_DEST fails with ESRCH.
  kernel.table.services = kernel.table.services.filter((s) => s.service.address !== a.address);
  m.setWanted({ services: [{ service: a, dests: [dest('10.0.0.11', 7), dest('10.0.0.12')] }, { service: b, dests: [dest('10.0.0.11')] }] });
  await settle(clock);
  assert.equal(m.counters.failedOps, 1);
  assert.equal(m.counters.resyncs, 1);
  assert.equal(kernel.reads, 2, 'start-up read, then one resync read');
  assert.deepEqual(kernel.table.services.map((s) => s.service.address).sort(), ['10.0.0.100', '10.0.0.101']);
  assert.deepEqual(weights(kernel).sort(), ['10.0.0.11=1', '10.0.0.11=7,10.0.0.12=1']);
  // Back in step: the next ordinary pass reads nothing.
  m.setWanted({ services: [{ service: a, dests: [dest('10.0.0.11', 7)] }, { service: b, dests: [dest('10.0.0.11')] }] });
  await settle(clock);
  assert.equal(kernel.reads, 2);
  await m.stop(false);
});

test('a persistent failure does not loop: one resync, then the next change or repair retries', async () => {
  const kernel = new CountingIpvs();
  const clock = new ManualClock();
  const m = new LvsManager({ ipvs: kernel, logger: silentLogger(), clock, repairIntervalMs: 0 });
  // The kernel refuses this service every time (as NEW_SERVICE with a missing scheduler module).
  const apply = kernel.apply.bind(kernel);
  kernel.apply = async (ops) =>
    (await apply(ops.filter((o) => !(o.kind === 'new-service' && o.service.address === '10.0.0.102')))).concat(
      ops.filter((o) => o.kind === 'new-service' && o.service.address === '10.0.0.102').map((op) => ({ op, error: Object.assign(new Error('ENOENT'), { code: 'ENOENT' }) as never })),
    );
  m.setWanted({ services: [{ service: svc('10.0.0.100'), dests: [dest('10.0.0.11')] }, { service: svc('10.0.0.102', 'nosuch'), dests: [] }] });
  await settle(clock, 2000, 40);
  assert.equal(kernel.reads, 2, 'start-up read and one resync, no more');
  assert.equal(m.counters.syncs, 2);
  assert.deepEqual(kernel.table.services.map((s) => s.service.address), ['10.0.0.100']);
  await m.stop(false);
});

test('the periodic repair reads the kernel and puts back drift; between repairs nothing is read', async () => {
  const kernel = new CountingIpvs();
  const clock = new ManualClock();
  const m = new LvsManager({ ipvs: kernel, logger: silentLogger(), clock, repairIntervalMs: 1000 });
  m.setWanted({ services: [{ service: svc('10.0.0.100'), dests: [dest('10.0.0.11'), dest('10.0.0.12')] }] });
  m.start();
  await settle(clock);
  assert.equal(kernel.reads, 1);
  // A clean repair: read, nothing to put back, nothing reported.
  await settle(clock, 1000);
  assert.equal(kernel.reads, 2);
  assert.equal(m.counters.repairs, 0);
  // ipvsadm -e (weight) and -d (a real server) and -a (a stranger in our service) behind our back.
  const row = kernel.table.services[0];
  row.dests = [{ ...row.dests[0], weight: 9 }, dest('10.0.0.99')];
  await settle(clock, 1000);
  assert.equal(kernel.reads, 3);
  assert.equal(m.counters.repairs, 1);
  assert.deepEqual(weights(kernel), ['10.0.0.11=1,10.0.0.12=1']);
  // A foreign service added meanwhile is seen by the repair and left alone.
  kernel.table.services.push({ service: svc('10.9.9.9'), dests: [dest('10.9.9.1')] });
  await settle(clock, 1000);
  assert.equal(m.counters.repairs, 1);
  assert.equal(kernel.table.services.length, 2);
  await m.stop(true);
  assert.deepEqual(kernel.table.services.map((s) => s.service.address), ['10.9.9.9']);
});

test('the repair interval grows with the cost of reading the table (20x the read), 5 s at least', async () => {
  const kernel = new CountingIpvs();
  const clock = new ManualClock();
  const m = new LvsManager({ ipvs: kernel, logger: silentLogger(), clock, repairIntervalMs: 5000 });
  kernel.onRead = () => void clock.advance(500); // a big table: every read takes 0.5 s
  m.setWanted({ services: [{ service: svc('10.0.0.100'), dests: [dest('10.0.0.11')] }] });
  m.start();
  await settle(clock, 100);
  assert.equal(kernel.reads, 1);
  // The first repair is armed before any read (5 s); after it the interval is 20 x 0.5 s = 10 s.
  await settle(clock, 5000, 50);
  assert.equal(kernel.reads, 2);
  await settle(clock, 9000, 90);
  assert.equal(kernel.reads, 2, 'no repair read within 10 s of the last');
  await settle(clock, 2000, 20);
  assert.equal(kernel.reads, 3);
  await m.stop(false);
});

test('a burst of 1,000 health changes is one pass and one apply batch', async () => {
  // 1,000 services, 3 real servers each (the in-memory kernel is slow on bigger tables).
  const S = 1000;
  const D = 3;
  const kernel = new CountingIpvs();
  const clock = new ManualClock();
  const m = new LvsManager({ ipvs: kernel, logger: silentLogger(), clock, repairIntervalMs: 0 });
  const down = new Set<number>();
  let builds = 0;
  const source = () => {
    builds++;
    return big(S, D, (i, j) => j === D - 1 && down.has(i));
  };
  m.setWantedSource(source);
  await settle(clock);
  assert.equal(kernel.batches.length, 1);
  assert.equal(kernel.batches[0].length, S * (D + 1));
  // 1,000 checkers see their real server fail within the coalescing window.
  for (let i = 0; i < S; i++) {
    down.add(i);
    m.setWantedSource(source);
  }
  await settle(clock);
  assert.equal(builds, 2);
  assert.equal(kernel.batches.length, 2);
  assert.equal(kernel.batches[1].length, S);
  assert.ok(kernel.batches[1].every((o) => o.kind === 'del-dest'));
  assert.equal(kernel.reads, 1);
  assert.equal(kernel.table.services.reduce((n, s) => n + s.dests.length, 0), S * (D - 1));
  await m.stop(false);
});

test('hook-managed services are re-read one by one on ordinary passes; the rest is not read', async () => {
  const kernel = new CountingIpvs();
  const partial: string[][] = [];
  const port = Object.assign(kernel, {
    async getTableOf(keys: ServiceConfig[]): Promise<IpvsTable> {
      partial.push(keys.map((k) => k.address!));
      const ids = new Set(keys.map((k) => k.address));
      return structuredClone({ services: kernel.table.services.filter((s) => ids.has(s.service.address)) });
    },
  });
  const clock = new ManualClock();
  const m = new LvsManager({ ipvs: port, logger: silentLogger(), clock, repairIntervalMs: 0 });
  const hook = svc('192.168.0.254');
  const plain = svc('10.0.0.100');
  const want = (hookDests: ReturnType<typeof dest>[]) => ({ services: [{ service: hook, dests: hookDests }, { service: plain, dests: [dest('10.0.0.11')] }] });
  m.setWanted(want([dest('10.0.0.11'), dest('10.0.0.12')]), [hook]);
  await settle(clock);
  assert.equal(kernel.table.services.length, 2);
  // to_backup.sh: ipvsadm -D of the hook-managed service; then a health change.
  kernel.table.services = kernel.table.services.filter((s) => s.service.address !== hook.address);
  m.setWanted(want([dest('10.0.0.11')]), [hook]);
  await settle(clock);
  assert.deepEqual(kernel.table.services.map((s) => s.service.address), ['10.0.0.100'], 'not re-created');
  // to_master.sh restores its saved table (with the dead server): the next change is applied to it.
  kernel.table.services.push({ service: hook, dests: [dest('10.0.0.11'), dest('10.0.0.12')] });
  m.setWanted(want([dest('10.0.0.11', 2)]), [hook]);
  await settle(clock);
  assert.deepEqual(weights(kernel), ['10.0.0.11=1', '10.0.0.11=2']);
  assert.equal(kernel.reads, 1, 'only the start-up read of the whole table');
  assert.deepEqual(partial, [['192.168.0.254'], ['192.168.0.254']]);
  assert.equal(m.counters.failedOps, 0);
  await m.stop(false);
});
