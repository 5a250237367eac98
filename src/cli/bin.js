#!/usr/bin/env -S node --max-semi-space-size=2 --no-opt --no-maglev
// Entry shim: keepalived-ts runs TypeScript directly on Node 24 (type stripping).
//
// Node flags (measured with bench/vrrp/scale.ts at 250 instances; the launchers that run
// `node bin.js` pass the same: deploy/systemd/keepalived-ts.service, deploy/lab/daemon.ts):
// --max-semi-space-size=2 (MB): V8 otherwise grows the young generation to 2 x 16 MB under the
//   steady allocation of many VRRP instances, ~30 MB of RSS that buys nothing for a daemon whose
//   live young objects fit in a few hundred kB. V8 sizes the heap at start-up: only a node flag.
// --no-opt --no-maglev: the optimising tiers cost ~19 MB of RSS and no measurable VRRP CPU; the
//   daemon turns them back on for the health-check side (src/daemon/jit-tiers.ts).
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
} catch {
  // best effort: a read-only or missing cache directory only costs start-up time
}
const { main } = await import('./main.ts');
await main(process.argv.slice(2));
