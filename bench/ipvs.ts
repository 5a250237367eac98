// IPVS benchmark (not a test): in the VM tier's QEMU guest (the host kernel has no IPVS), apply
// 1,000 services x 10 destinations from an empty table and then change 10 % of the weights, with
// our client (pipelined batches) and with `ipvsadm -R` on the same table, and print both side by
// side with the ratio. Best of the rounds. Under TCG the absolute times are several times what
// hardware gives; the ratio is the figure to read. Run: node bench/run.ts ipvs
import { prepareVm, runVm } from '../scripts/vm/run.ts';

interface Row {
  name: string;
  ms: number;
  [k: string]: unknown;
}

export async function benchIpvs(opts: { services?: number; dests?: number; rounds?: number } = {}): Promise<void> {
  const why = prepareVm();
  if (why) throw new Error(`the IPVS benchmark needs the VM tier: ${why}`);
  const env = [
    `export KATS_BENCH_SERVICES=${opts.services ?? 1000}`,
    `export KATS_BENCH_DESTS=${opts.dests ?? 10}`,
    `export KATS_BENCH_ROUNDS=${opts.rounds ?? 2}`,
  ];
  const rows: Row[] = [];
  const r = await runVm({
    payload: [...env, 'node bench/ipvs-guest.ts'].join('\n'),
    timeoutMs: 900_000,
    memMb: 1536,
    onLine: (l) => {
      const m = /@@BENCH (\{.*\})@@/.exec(l);
      if (m) rows.push(JSON.parse(m[1]) as Row);
      else if (/Error|error:/.test(l)) console.error(`vm| ${l}`);
    },
  });
  if (r.exitCode !== 0) throw new Error(`guest benchmark exited ${r.exitCode}${r.timedOut ? ' (timeout)' : ''}; last lines:\n${r.lines.slice(-20).join('\n')}`);
  const best = (name: string) => Math.min(...rows.filter((x) => x.name === name).map((x) => x.ms));
  const same = rows.find((x) => x.name === 'tables identical');
  const create = rows.find((x) => x.name === 'ours: create');
  const change = rows.find((x) => x.name === 'ours: change 10% weights (apply)');
  const lines: [string, number, number][] = [
    [`create (${create?.ops} ops)`, best('ours: create'), best('ipvsadm -R: create')],
    [`change 10% weights (${change?.ops} ops)`, best('ours: change 10% weights (apply)'), best('ipvsadm -R: change 10% weights')],
    ['  same, ours incl. dump+diff', best('ours: change 10% weights (dump+diff+apply)'), best('ipvsadm -R: change 10% weights')],
  ];
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`IPVS in QEMU/TCG (kernel IPVS, 2 vCPU): ${same?.services} services x ${same?.dests} destinations, best of ${opts.rounds ?? 2} rounds`);
  console.log(`${pad('', 40)}${pad('ours (batched)', 16)}${pad('ipvsadm -R', 14)}ipvsadm/ours`);
  for (const [name, ours, theirs] of lines) {
    console.log(`${pad(name, 40)}${pad(`${ours.toFixed(0)} ms`, 16)}${pad(`${theirs.toFixed(0)} ms`, 14)}${(theirs / ours).toFixed(2)}x`);
  }
  console.log(`resulting tables identical (ipvsadm -Ln): ${same?.same ? 'yes' : 'NO'}; VM total ${(r.durationMs / 1000).toFixed(1)} s`);
}

if (import.meta.main) await benchIpvs();
