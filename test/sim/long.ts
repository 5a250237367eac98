// Long simulator run: `node test/sim/long.ts --minutes N [--seed S]`.
// Runs schedules with consecutive seeds from S (default: derived from the wall clock, printed)
// until N minutes have passed; prints schedules/s every 10 s and every failing seed (replay it
// with runSchedule(seed) from test/sim/lan.ts). Exit code 1 if any schedule failed.
import { runSchedule } from './lan.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const minutes = Number(arg('--minutes') ?? '1');
const start = Number(arg('--seed') ?? String(Date.now() % 1_000_000_000));
const deadline = Date.now() + minutes * 60_000;
let seed = start;
let runs = 0;
let failed = 0;
let events = 0;
let lastReport = Date.now();
const t0 = Date.now();
console.log(`sim: ${minutes} min from seed ${start}`);
for (let guard = 0; guard < Number.MAX_SAFE_INTEGER && Date.now() < deadline; guard++) {
  const tie = seed % 10 === 0;
  const r = runSchedule(seed, { tieBreak: tie });
  runs++;
  events += r.events;
  if (!r.ok) {
    failed++;
    console.log(`FAIL seed ${seed}${tie ? ' (tieBreak)' : ''}: ${r.failure}`);
  }
  seed++;
  if (Date.now() - lastReport >= 10_000) {
    lastReport = Date.now();
    const s = (Date.now() - t0) / 1000;
    console.log(`${runs} schedules, ${(runs / s).toFixed(1)} schedules/s, ${(events / s / 1000).toFixed(0)}k events/s, ${failed} failed`);
  }
}
const s = (Date.now() - t0) / 1000;
console.log(`done: ${runs} schedules (seeds ${start}..${seed - 1}) in ${s.toFixed(1)} s, ${(runs / s).toFixed(1)} schedules/s, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
