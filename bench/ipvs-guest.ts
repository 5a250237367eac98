// Guest half of the IPVS benchmark (bench/ipvs.ts boots the VM and runs this inside it):
// 1,000 services x 10 destinations applied from an empty table, then 10 % of the weights changed,
// by our client (pipelined batches) and by `ipvsadm -R` (one process reading the same rules),
// alternating rounds on the same kernel. Prints one `@@BENCH {json}@@` line per measurement.
import { spawnSync } from 'node:child_process';
import { IpvsClient } from '../src/ipvs/client.ts';
import { reconcile } from '../src/ipvs/reconcile.ts';
import type { DestConfig, IpvsOp, IpvsTable, ServiceConfig } from '../src/ipvs/types.ts';

const SERVICES = Number(process.env.KATS_BENCH_SERVICES ?? 1000);
const DESTS = Number(process.env.KATS_BENCH_DESTS ?? 10);
const ROUNDS = Number(process.env.KATS_BENCH_ROUNDS ?? 2);

const vip = (i: number) => `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
const rip = (i: number, j: number) => `10.${200 + (i >> 16)}.${(i >> 8) & 255}.${j + 1}`;

function table(weightOf: (i: number, j: number) => number): IpvsTable {
  const services = [];
  for (let i = 0; i < SERVICES; i++) {
    const service: ServiceConfig = { af: 'inet', protocol: 'tcp', address: vip(i), port: 80, scheduler: 'wrr', flags: 0, timeoutS: 0, netmask: 32 };
    const dests: DestConfig[] = [];
    for (let j = 0; j < DESTS; j++) dests.push({ address: rip(i, j), port: 8000 + (i & 255), fwd: 'masq', weight: weightOf(i, j), upperThreshold: 0, lowerThreshold: 0 });
    services.push({ service, dests });
  }
  return { services };
}

/** Every tenth destination (10 %) gets a new weight. */
const changed = (i: number, j: number) => (((i * DESTS + j) % 10 === 3) ? 50 + ((i + j) % 7) : 1 + ((i + j) % 5));
const base = (i: number, j: number) => 1 + ((i + j) % 5);

function rulesFor(t: IpvsTable): string {
  const lines: string[] = [];
  for (const { service: s, dests } of t.services) {
    lines.push(`-A -t ${s.address}:${s.port} -s ${s.scheduler}`);
    for (const d of dests) lines.push(`-a -t ${s.address}:${s.port} -r ${d.address}:${d.port} -m -w ${d.weight}`);
  }
  return lines.join('\n') + '\n';
}

function editRules(before: IpvsTable, after: IpvsTable): string {
  const lines: string[] = [];
  after.services.forEach(({ service: s, dests }, i) => {
    dests.forEach((d, j) => {
      if (before.services[i].dests[j].weight !== d.weight) lines.push(`-e -t ${s.address}:${s.port} -r ${d.address}:${d.port} -m -w ${d.weight}`);
    });
  });
  return lines.join('\n') + '\n';
}

function ipvsadm(args: string[], input?: string): number {
  const t0 = performance.now();
  const r = spawnSync('ipvsadm', args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`ipvsadm ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

function listing(): string {
  return spawnSync('ipvsadm', ['-Ln'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout;
}

function report(name: string, ms: number, extra: Record<string, unknown> = {}): void {
  console.log(`@@BENCH ${JSON.stringify({ name, ms: Math.round(ms * 10) / 10, ...extra })}@@`);
}

const c = await IpvsClient.open();
const t1 = table(base);
const t2 = table(changed);
const createOps = reconcile(t1, { services: [] }, () => true);
const rulesCreate = rulesFor(t1);
const rulesEdit = editRules(t1, t2);
const editCount = rulesEdit.trim().split('\n').length;
let ourListing = '';
let theirListing = '';

for (let round = 0; round < ROUNDS; round++) {
  // ---- ours
  await c.flush();
  let t0 = performance.now();
  const res = await c.apply(createOps);
  report('ours: create', performance.now() - t0, { ops: createOps.length, round });
  const bad = res.filter((r) => r.error);
  if (bad.length) throw new Error(`${bad.length} create ops failed, first: ${bad[0].error?.message}`);
  t0 = performance.now();
  const actual = await c.getTable({ stats: false });
  const tDump = performance.now() - t0;
  const ops = reconcile(t2, actual, () => true);
  const tDiff = performance.now() - t0 - tDump;
  const t3 = performance.now();
  const res2 = await c.apply(ops);
  const tApply = performance.now() - t3;
  if (res2.some((r) => r.error)) throw new Error('weight change failed');
  report('ours: change 10% weights (apply)', tApply, { ops: ops.length, round });
  report('ours: change 10% weights (dump+diff+apply)', tDump + tDiff + tApply, { dumpMs: Math.round(tDump), diffMs: Math.round(tDiff), round });
  ourListing = listing();

  // ---- ipvsadm -R on the same table
  ipvsadm(['-C']);
  report('ipvsadm -R: create', ipvsadm(['-R'], rulesCreate), { lines: rulesCreate.trim().split('\n').length, round });
  report('ipvsadm -R: change 10% weights', ipvsadm(['-R'], rulesEdit), { lines: editCount, round });
  theirListing = listing();
}
c.close();
const same = ourListing === theirListing;
console.log(`@@BENCH ${JSON.stringify({ name: 'tables identical', same, services: SERVICES, dests: DESTS })}@@`);
process.exit(same ? 0 : 3);
