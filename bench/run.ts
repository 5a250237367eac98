// `npm run bench`: every benchmark, each printing its figures beside the reference implementation
// measured in the same run (keepalived, HAProxy, ipvsadm). Benchmarks are not tests: they take
// minutes, need root and namespaces, and never decide pass/fail. `npm run bench -- NAME...` runs a
// subset: config, checks, ipvs, lvs, failover, scale, startup.
const all: Record<string, () => Promise<void>> = {
  config: async () => (await import('./config.ts')).benchConfig(),
  checks: async () => (await import('./checks.ts')).benchChecks({}),
  ipvs: async () => (await import('./ipvs.ts')).benchIpvs(),
  lvs: async () => (await import('./lvs.ts')).benchLvs(),
  failover: async () => (await import('./vrrp/failover.ts')).benchFailover({}),
  scale: async () => (await import('./vrrp/scale.ts')).benchScale({}),
  startup: async () => (await import('./vrrp/startup.ts')).benchStartup({}),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(all);
let failed = 0;
for (const n of names) {
  const run = all[n];
  if (!run) {
    console.error(`unknown benchmark '${n}' (known: ${Object.keys(all).join(', ')})`);
    failed++;
    continue;
  }
  console.log(`\n=== bench ${n}`);
  try {
    await run();
  } catch (e) {
    failed++;
    console.error(`bench ${n} failed: ${(e as Error).stack ?? e}`);
  }
}
process.exitCode = failed ? 1 : 0;
