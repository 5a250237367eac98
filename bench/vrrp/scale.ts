// VRRP scale benchmark (issue 4): CPU and RSS of a daemon running N instances (VRRPv2, advert_int
// 1) as MASTER with no peer, over a 30 s window that starts once all VIPs are up + 8 s (past the
// second GARP burst), for keepalived and keepalived-ts in the same run (keepalived-bench.md
// "Scale": 250 masters cost keepalived 0.40 CPU-s in 30 s, about 1.3 % of a core, ~13 MB RSS).
// Ours runs as deployed: node with deploy/lab/daemon.ts's daemonNodeFlags (those of the systemd
// unit and the bin shebang), after one warm-up start (warmUp below).
// Options: --window SEC (30), --counts 1,50,250, --daemon ours|keepalived (both).
import { mkdtempSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createLab, hasAddress } from '../../deploy/lab/topology.ts';
import { RunningDaemon, keepalivedDaemon, oursDaemon, writeConf, type DaemonKind } from '../../deploy/lab/daemon.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK = 100; // USER_HZ on Linux

export function scaleConf(n: number): { conf: string; vips: string[] } {
  const vips: string[] = [];
  let host = 4;
  const blocks: string[] = [];
  for (let i = 1; i <= n; i++) {
    if (host === 100) host++;
    const vip = `10.99.0.${host++}`;
    vips.push(vip);
    blocks.push(`vrrp_instance VI_${i} {
    state BACKUP
    interface eth0
    virtual_router_id ${i}
    priority 100
    advert_int 1
    virtual_ipaddress {
        ${vip}/32 dev eth0
    }
}`);
  }
  return { conf: `global_defs {\n    router_id scale\n}\n${blocks.join('\n')}\n`, vips };
}

/** Every pid whose process group is `pgid`. */
function groupPids(pgid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid) out.push(Number(e));
    } catch {
      // raced with exit
    }
  }
  return out;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

async function measure(kind: DaemonKind, n: number, windowSec: number): Promise<{ cpuSec: number; rssKb: number[] } | string> {
  const lab = createLab(`ks${process.pid % 1000}`, ['d1']);
  const work = mkdtempSync(join(tmpdir(), 'kats-scale-'));
  const d1 = lab.hosts.get('d1')!;
  const { conf, vips } = scaleConf(n);
  const d = new RunningDaemon(kind, d1.ns, writeConf(work, 'scale.conf', conf), join(work, 'run'));
  try {
    const end = Date.now() + 20_000;
    while (Date.now() < end && !vips.every((v) => hasAddress(d1.ns, v))) await sleep(100);
    if (!vips.every((v) => hasAddress(d1.ns, v))) return `not all ${n} VIPs came up within 20 s (see ${d.logPath})`;
    await sleep(8000);
    const pids = groupPids(d.pid);
    const before = pids.reduce((s, p) => s + cpuTicks(p), 0);
    await sleep(windowSec * 1000);
    const after = groupPids(d.pid).reduce((s, p) => s + cpuTicks(p), 0);
    return { cpuSec: (after - before) / TICK, rssKb: groupPids(d.pid).map(rssKb) };
  } finally {
    d.crash();
    await d.waitExit(2000);
    lab.down();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * One short start of a daemon before measuring: node's compile cache holds the type-stripped
 * sources, and a start after any source change misses it. The daemon then re-executes itself once
 * (src/daemon/cli.ts) rather than keep the TypeScript stripper's ~17 MB, so RSS is the same either
 * way; the warm-up keeps that first cold start out of the measured runs.
 */
async function warmUp(kind: DaemonKind): Promise<void> {
  const lab = createLab(`kw${process.pid % 1000}`, ['d1']);
  const work = mkdtempSync(join(tmpdir(), 'kats-scale-'));
  const d1 = lab.hosts.get('d1')!;
  const { conf, vips } = scaleConf(1);
  const d = new RunningDaemon(kind, d1.ns, writeConf(work, 'warm.conf', conf), join(work, 'run'));
  try {
    const end = Date.now() + 10_000;
    while (Date.now() < end && !hasAddress(d1.ns, vips[0])) await sleep(100);
    await sleep(1000); // the cache is written once the daemon has started (src/daemon/cli.ts)
  } finally {
    d.crash();
    await d.waitExit(2000);
    lab.down();
    rmSync(work, { recursive: true, force: true });
  }
}

export async function benchScale(opts: { counts?: number[]; windowSec?: number; daemons?: DaemonKind[] } = {}): Promise<void> {
  const counts = opts.counts ?? [1, 50, 250];
  const windowSec = opts.windowSec ?? 30;
  const daemons = opts.daemons ?? [keepalivedDaemon, oursDaemon];
  for (const kind of daemons) if (kind.name !== 'keepalived') await warmUp(kind);
  console.log(`\nVRRP scale: N masters at advert_int 1, CPU over ${windowSec} s and RSS`);
  console.log('| N | daemon | CPU s | % of a core | RSS kB (per process) | CPU ratio ours/ka |');
  console.log('|---|---|---|---|---|---|');
  for (const n of counts) {
    let kaCpu: number | null = null;
    for (const kind of daemons) {
      const r = await measure(kind, n, windowSec);
      if (typeof r === 'string') {
        console.log(`| ${n} | ${kind.name} | – | – | ${r} | |`);
        continue;
      }
      if (kind.name === 'keepalived') kaCpu = r.cpuSec;
      const ratio = kind.name !== 'keepalived' && kaCpu ? (r.cpuSec / kaCpu).toFixed(2) : '';
      console.log(`| ${n} | ${kind.name} | ${r.cpuSec.toFixed(2)} | ${((100 * r.cpuSec) / windowSec).toFixed(2)} | ${r.rssKb.join(' + ')} | ${ratio} |`);
    }
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const counts = opt('--counts')?.split(',').map(Number);
  const only = opt('--daemon');
  await benchScale({
    windowSec: Number(opt('--window') ?? 30),
    counts,
    daemons: only === 'ours' ? [oursDaemon] : only === 'keepalived' ? [keepalivedDaemon] : undefined,
  });
}
