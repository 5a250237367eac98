// LVS manager benchmark (not a test): table apply time for 1,000 services x 10 real servers from
// cold, and after 10 % of the real servers fail at once, through the whole manager path
// (keepalived.conf -> health checks -> wanted table -> reconcile -> IPVS), ours against
// keepalived 2.2.7 on the same configuration in the same VM run (QEMU/TCG guest: the host kernel
// has no IPVS). bench/lvs-guest.ts does the work and says what each figure covers. Under TCG, on
// a machine shared with other work, wall-clock figures are noisy and several times what hardware
// gives: read the ratios and the CPU seconds. Run: node bench/run.ts lvs
import { prepareVm, runVm } from '../scripts/vm/run.ts';

interface Row {
  name: string;
  ms?: number;
  cpuS?: number;
  firstMs?: number | null;
  pollMs?: number;
  [k: string]: unknown;
}

export async function benchLvs(opts: { services?: number; dests?: number; delayLoop?: number } = {}): Promise<void> {
  const why = prepareVm();
  if (why) throw new Error(`the LVS benchmark needs the VM tier: ${why}`);
  const env = [
    `export KATS_BENCH_SERVICES=${opts.services ?? 1000}`,
    `export KATS_BENCH_DESTS=${opts.dests ?? 10}`,
    `export KATS_BENCH_DELAY_LOOP=${opts.delayLoop ?? 5}`,
    `export KATS_BENCH_CHECK_ALL=${process.env.KATS_BENCH_CHECK_ALL ?? '0'}`,
    `export KATS_BENCH_ORDER=${process.env.KATS_BENCH_ORDER ?? 'ours,keepalived'}`,
    // Thousands of checker sockets in each daemon.
    'ulimit -n 65536',
  ];
  const rows: Row[] = [];
  const r = await runVm({
    payload: [...env, 'node bench/lvs-guest.ts'].join('\n'),
    timeoutMs: 1_500_000,
    memMb: 2048,
    onLine: (l) => {
      const m = /@@BENCH (\{.*\})@@/.exec(l);
      if (m) rows.push(JSON.parse(m[1]) as Row);
      else if (/Error|error:/.test(l)) console.error(`vm| ${l}`);
    },
  });
  if (r.exitCode !== 0) throw new Error(`guest benchmark exited ${r.exitCode}${r.timedOut ? ' (timeout)' : ''}; last lines:\n${r.lines.slice(-30).join('\n')}`);
  const get = (name: string) => rows.find((x) => x.name === name);
  const cfg: Row = get('config') ?? { name: 'config' };
  const pad = (s: string, n: number) => s.padEnd(n);
  const ratio = (a?: number | null, b?: number | null) => (a && b ? `${(b / a).toFixed(2)}x` : '-');
  const ms = (v?: number | null) => (v === undefined || v === null ? '-' : `${v} ms`);
  const s = (v?: number) => (v === undefined ? '-' : `${v.toFixed(2)} s`);
  console.log(
    `LVS manager path in QEMU/TCG (kernel IPVS, 2 vCPU, shared host: noisy): ${cfg.services} services x ${cfg.dests} real servers (NAT; ${cfg.checked} of them with a TCP_CHECK, delay_loop ${cfg.delayLoop} s), then ${cfg.failing} real servers fail at once`,
  );
  console.log(`${pad('', 48)}${pad('ours', 14)}${pad('keepalived', 14)}keepalived/ours`);
  const oc = get('ours: cold');
  const kc = get('keepalived: cold');
  const of = get('ours: 10% fail');
  const kf = get('keepalived: 10% fail');
  const line = (name: string, a: string, b: string, q: string) => console.log(`${pad(name, 48)}${pad(a, 14)}${pad(b, 14)}${q}`);
  line('cold: start -> table complete (wall)', ms(oc?.ms), ms(kc?.ms), ratio(oc?.ms, kc?.ms));
  line('cold: daemon CPU time until then', s(oc?.cpuS), s(kc?.cpuS), ratio(oc?.cpuS, kc?.cpuS));
  line('10% fail: failure -> first removal seen', ms(of?.firstMs), ms(kf?.firstMs), '(bounded by delay_loop)');
  const done = (x?: Row) => (x?.incomplete ? `not in ${x.limitMs} ms (${x.removed} removed)` : ms(x?.ms));
  line('10% fail: failure -> table complete (wall)', done(of), done(kf), ratio(of?.ms, kf?.ms));
  line('10% fail: daemon CPU time in that window', s(of?.cpuS), s(kf?.cpuS), ratio(of?.cpuS, kf?.cpuS));
  const mc = get('manager path: cold');
  const mf = get('manager path: 10% fail');
  console.log(
    `ours, manager path alone in-process (no checkers; state -> wanted -> reconcile against the applied table -> apply): cold ${ms(mc?.ms)} (${mc?.ops} ops; config load ${ms(mc?.loadMs as number)}), 10% fail ${ms(mf?.ms)} (${mf?.ops} ops); whole-table kernel reads ${mf?.reads ?? '?'}`,
  );
  console.log(`table read by polling ipvsadm -Ln every 100 ms (one read took ~${oc?.pollMs ?? '?'} ms cold / ~${of?.pollMs ?? '?'} ms after: the resolution); VM total ${(r.durationMs / 1000).toFixed(1)} s`);
}

if (import.meta.main) await benchLvs();
