// Long simulator run: `node test/sim/long.ts --minutes N [--seed S]`.
// Runs schedules with consecutive seeds from S (default: derived from the wall clock, printed)
// until N minutes have passed; prints schedules/s every 10 s and every failing seed (replay it
// with runSchedule(seed, { trace: console.log }) from test/sim/lan.ts), and at the end the
// schedules/s, the projected schedules per day and how much of each kind of chaos ran.
// Exit code 1 if any schedule failed.
import { runSchedule } from './lan.ts';
import { addChaosCounts, formatChaosCounts, newChaosCounts } from './chaos.ts';

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
const chaos = newChaosCounts();
const failedSeeds: number[] = [];
const t0 = Date.now();
const cpu0 = process.cpuUsage();
console.log(`sim: ${minutes} min from seed ${start}`);
for (let guard = 0; guard < Number.MAX_SAFE_INTEGER && Date.now() < deadline; guard++) {
  const tie = seed % 10 === 0;
  const r = runSchedule(seed, { tieBreak: tie });
  runs++;
  events += r.events;
  addChaosCounts(chaos, r.chaos);
  if (!r.ok) {
    failed++;
    failedSeeds.push(seed);
    console.log(`FAIL seed ${seed}${tie ? ' (tieBreak)' : ''}: ${r.failure}`);
  }
  seed++;
  if (Date.now() - lastReport >= 10_000) {
    lastReport = Date.now();
    const s = (Date.now() - t0) / 1000;
    console.log(`${runs} schedules, ${(runs / s).toFixed(1)} schedules/s, ${(events / s / 1000).toFixed(0)}k events/s, ${failed} failed; ${chaos.reloads.kept + chaos.reloads.priority + chaos.reloads.restarted} reloaded instances, ${chaos.duplicatesDelivered} duplicates, ${chaos.hostile.dropped} hostile packets dropped`);
  }
}
const s = (Date.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
// one process = one core; the machine may be shared, so the CPU-time rate is given too
console.log(`done: ${runs} schedules (seeds ${start}..${seed - 1}) in ${s.toFixed(1)} s wall / ${cpuS.toFixed(1)} s CPU`);
console.log(`rate: ${(runs / s).toFixed(1)} schedules/s wall (${Math.round((runs / s) * 86400).toLocaleString('en')} a day projected), ${(runs / cpuS).toFixed(1)} per CPU-second, ${(events / s / 1000).toFixed(0)}k events/s`);
for (const line of formatChaosCounts(chaos)) console.log(line);
console.log(`failed: ${failed}${failed > 0 ? ` (seeds ${failedSeeds.slice(0, 50).join(' ')}${failedSeeds.length > 50 ? ' ...' : ''})` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;
