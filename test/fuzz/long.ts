// Long model-level fuzz run: `node test/fuzz/long.ts [--minutes N] [--seed S]` (default 1 minute,
// a time-based seed). Prints iterations per second and every failing seed/iteration, exit 1 if any.
import { fuzzOnce, loadCorpus } from './model-fuzz-run.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : fallback;
}

const minutes = arg('--minutes', 1);
const seed = arg('--seed', Date.now() % 2 ** 31);
const corpus = loadCorpus();
const start = performance.now();
const end = start + minutes * 60_000;
let iterations = 0;
let failures = 0;
let lastReport = start;
console.log(`fuzzing ${corpus.files.length} corpus configs for ${minutes} min, seed ${seed}`);
while (performance.now() < end) {
  const failure = fuzzOnce(corpus, seed, iterations);
  if (failure) {
    failures++;
    console.log(`FAIL seed ${seed} iteration ${iterations}: ${failure}`);
  }
  iterations++;
  const now = performance.now();
  if (now - lastReport > 10_000) {
    console.log(`${iterations} iterations, ${Math.round((iterations * 1000) / (now - start))}/s, ${failures} failures`);
    lastReport = now;
  }
}
const secs = (performance.now() - start) / 1000;
console.log(`done: ${iterations} iterations in ${secs.toFixed(1)} s (${Math.round(iterations / secs)}/s), ${failures} failures`);
process.exitCode = failures > 0 ? 1 : 0;
