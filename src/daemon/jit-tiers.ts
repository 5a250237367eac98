// V8's optimising tiers (and --optimize-for-size), off for a VRRP-only daemon and back on for the
// health-check side.
//
// The launchers (bin.js's shebang, deploy/systemd, deploy/lab/daemon.ts) start node with
// `--no-opt --no-maglev`. Measured at 250 VRRP instances (bench/vrrp/scale.ts): RSS 86 -> 67 MB,
// because neither Maglev nor TurboFan, nor the ~8 MB of node's binary that holds them, is ever
// paged in; CPU unchanged within the noise (0.41-0.46 vs 0.42-0.44 CPU-s per 30 s), as the
// per-advert work is a few native calls and timers, not hot JavaScript. Health checks are
// different (HTTP parsing, rise/fall bookkeeping across many real servers: hot JS that the
// interpreter runs ~20x slower), so a configuration with virtual servers turns the tiers back on
// before loading that side; V8 reads these flags at each tiering decision, so this takes effect
// for the running process.
import { setFlagsFromString } from 'node:v8';

let enabled = false;

/** Re-enables Maglev and TurboFan if a launcher turned them off (never under --jitless). */
export function enableOptimizingTiers(): void {
  if (enabled) return;
  enabled = true;
  const argv = process.execArgv;
  if (argv.includes('--jitless')) return;
  if (argv.includes('--no-maglev')) setFlagsFromString('--maglev');
  if (argv.includes('--no-opt') || argv.includes('--no-turbofan')) setFlagsFromString('--turbofan');
  // --optimize-for-size (the launchers' heap tuning, src/cli/bin.js) trades speed for memory in
  // V8's heuristics (its help text) and keeps the old generation tight, i.e. more major GCs: what
  // suits idle VRRP instances, not a checker running thousands of probes a second. The sizes fixed
  // at start stay; the heuristics read the flag as they go.
  if (argv.includes('--optimize-for-size')) setFlagsFromString('--no-optimize-for-size');
}
