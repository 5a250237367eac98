// Self-balancing DR tier benchmark (not a test): client-visible interruption when the master is
// killed (kill -9 + link down), when the killed node returns and preempts, and on a graceful stop
// of the master, with a client sending one request (new connection) every 10 ms. Runs in the VM
// tier's QEMU guest (real IPVS; the host kernel has none): bench/selfbal-guest.ts does the work.
// Under TCG everything is several times slower than on hardware, and the guest's one emulated CPU
// also runs the three daemons: read the failure windows against the VRRP timing (advert_int
// KATS_BENCH_ADVERT, default 0.2 s: master_down_interval ~0.7 s), not as absolute figures.
// Run: node bench/selfbal.ts (KATS_BENCH_SYNC=1: with lvs_sync_daemon on every node)
import { prepareVm, runVm } from '../scripts/vm/run.ts';

interface Row {
  name: string;
  requests: number;
  failed: number;
  slow: number;
  failWindowMs: number;
  firstFailAfterMs: number | null;
  settledAfterMs: number;
  answers: Record<string, number>;
}

export async function benchSelfBal(): Promise<void> {
  const why = prepareVm();
  if (why) throw new Error(`the self-balancing benchmark needs the VM tier: ${why}`);
  const rows: Row[] = [];
  const r = await runVm({
    payload: [`export KATS_IN_VM=1 KATS_BENCH_ADVERT=${process.env.KATS_BENCH_ADVERT ?? '0.2'} KATS_BENCH_SYNC=${process.env.KATS_BENCH_SYNC ?? '0'}`, 'node bench/selfbal-guest.ts'].join('\n'),
    timeoutMs: 900_000,
    onLine: (l) => {
      const m = /@@BENCH (\{.*\})@@/.exec(l);
      if (m) rows.push(JSON.parse(m[1]) as Row);
      else if (/Error|error:/.test(l)) console.error(`vm| ${l}`);
    },
  });
  if (r.exitCode !== 0) throw new Error(`guest benchmark exited ${r.exitCode}${r.timedOut ? ' (timeout)' : ''}; last lines:\n${r.lines.slice(-30).join('\n')}`);
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`self-balancing tier in QEMU/TCG (real IPVS), one request every 10 ms, 1 s client timeout, slow = > 200 ms${process.env.KATS_BENCH_SYNC === '1' ? ', lvs_sync_daemon on' : ''}`);
  console.log(`${pad('event', 42)}${pad('requests', 10)}${pad('failed', 8)}${pad('slow', 6)}${pad('fail window', 13)}${pad('settled', 10)}answers`);
  for (const x of rows) {
    const answers = Object.entries(x.answers).map(([k, v]) => `${k}=${v}`).join(' ');
    console.log(`${pad(x.name, 42)}${pad(String(x.requests), 10)}${pad(String(x.failed), 8)}${pad(String(x.slow), 6)}${pad(`${x.failWindowMs} ms`, 13)}${pad(`${(x.settledAfterMs / 1000).toFixed(1)} s`, 10)}${answers}`);
  }
  console.log(`VM total ${(r.durationMs / 1000).toFixed(1)} s`);
}

if (import.meta.main) await benchSelfBal();
