#!/usr/bin/env -S node --max-semi-space-size=2 --no-opt --no-maglev --optimize-for-size
// Entry shim: keepalived-ts runs TypeScript directly on Node 24 (type stripping).
//
// Node flags (measured with bench/vrrp/scale.ts at 250 instances; the launchers that run
// `node bin.js` pass the same: deploy/systemd/keepalived-ts.service, deploy/lab/daemon.ts):
// --max-semi-space-size=2 (MB): V8 otherwise grows the young generation to 2 x 16 MB under the
//   steady allocation of many VRRP instances, ~30 MB of RSS that buys nothing for a daemon whose
//   live young objects fit in a few hundred kB. V8 sizes the heap at start-up: only a node flag.
// --no-opt --no-maglev: the optimising tiers cost ~19 MB of RSS and no measurable VRRP CPU; the
//   daemon turns them back on for the health-check side (src/daemon/jit-tiers.ts).
// --optimize-for-size: V8's "favour memory size over execution speed" mode (its heap-growing
//   heuristics; our code runs on the interpreter tiers anyway): 66-67 -> 62.5-64 MB of RSS at 250
//   instances, CPU within the noise (0.22-0.28 vs 0.23-0.28 CPU-s per 30 s, same code). The
//   health-check side turns it off again with the tiers (src/daemon/jit-tiers.ts).
// Tried and not kept (bench/vrrp/scale.ts, 250 instances, RSS): MALLOC_ARENA_MAX=2, --v8-pool-size=1,
//   --single-threaded(-gc), --max-lazy, --stack-size=256, --heap-growing-percent=10,
//   --compact-on-every-full-gc: no change (all within 0.5 MB); --max-semi-space-size=1: -1 MB,
//   nothing more with --optimize-for-size; --no-sparkplug: -1.7 MB more, but the takeover path
//   would run on the bare interpreter, not measured with bench/vrrp/failover.ts yet, so left
//   off; --lite-mode and --jitless: imply no WebAssembly, which Node's TypeScript stripper needs
//   on a compile-cache miss (the daemon does not start).
import { enableCompileCache } from 'node:module';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`keepalived-ts needs Node.js 24 or newer (this is ${process.version}); run it through npm/npx in the project, which use the node@24 devDependency`);
  process.exit(2);
}
// Before the first .ts module loads: the compile cache also keeps the type-stripped source, so a
// warm start never instantiates the TypeScript-stripping WebAssembly (~17 MB of RSS kept for the
// life of the process, and ~30 ms of start-up). NODE_COMPILE_CACHE sets the directory (default
// $TMPDIR/node-compile-cache); NODE_DISABLE_COMPILE_CACHE=1 turns it off.
try {
  enableCompileCache();
  // The cache was on before the first .ts module: a daemon start that still loaded the stripper
  // met a cold cache and may re-execute itself once to drop it (src/daemon/cli.ts).
  globalThis[Symbol.for('keepalived-ts.compile-cache-from-entry')] = true;
} catch {
  // best effort: a read-only or missing cache directory only costs start-up time
}
const { main } = await import('./main.ts');
await main(process.argv.slice(2));
