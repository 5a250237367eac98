// VRRP start-up benchmark (issue 4): time from exec to the daemon's first advert on the wire, for
// keepalived and keepalived-ts in the same run. This is the start-up part of every preempt-back
// (keepalived-bench.md "Reading the figures": keepalived adds 26–42 ms over master_down_interval,
// "where a Node.js daemon will differ most").
//
// One instance, `state MASTER` + priority 255 (the address owner): RFC 5798 §6.4.1 sends an
// advert and becomes Master at start, with no master_down_interval to wait, so the figure is the
// daemon's own start-up. T0 is taken just before the spawn (`ip netns exec` + the daemon, the
// same path the failover bench launches); the advert's time is tcpdump's kernel timestamp at
// the client (namespaces share the clock). One warm-up run per daemon is discarded (page cache,
// Node's compile cache). The CPU column is the daemon's utime + stime when the advert has been
// seen (read a few ms later, so slightly over): a wall-clock-free figure on a shared machine.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createLab } from '../../deploy/lab/topology.ts';
import { RunningDaemon, keepalivedDaemon, oursDaemon, writeConf, type DaemonKind } from '../../deploy/lab/daemon.ts';

const TICK_MS = 10; // USER_HZ 100

export function ownerConf(vip: string): string {
  return `global_defs {
    router_id startup
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 255
    advert_int 1
    virtual_ipaddress {
        ${vip}/32 dev eth0
    }
}
`;
}

function groupCpuMs(pgid: number): number {
  let ticks = 0;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // raced with exit
    }
  }
  return ticks * TICK_MS;
}

/** Starts tcpdump in `ns` for the first VRRP packet; resolves once it listens. */
async function firstVrrp(ns: string): Promise<{ done: Promise<number | null>; stop(): void }> {
  const td = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', 'eth0', '-n', '-l', '-tt', '--immediate-mode', '-c', '1', 'vrrp'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  td.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 3000);
    td.stderr!.on('data', (b: Buffer) => {
      if (b.toString().includes('listening on')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  const done = new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      td.kill('SIGKILL');
      resolve(null);
    }, 15_000);
    td.once('exit', () => {
      clearTimeout(timer);
      const m = /^(\d+\.\d+)/.exec(out);
      resolve(m ? Number(m[1]) * 1000 : null);
    });
  });
  return { done, stop: () => td.kill('SIGKILL') };
}

interface Sample {
  ms: number;
  cpuMs: number;
}

async function once(kind: DaemonKind, labNs: { d1: string; c1: string }, conf: string, runDir: string, vip: string): Promise<Sample | string> {
  const cap = await firstVrrp(labNs.c1);
  const t0 = performance.timeOrigin + performance.now();
  const d = new RunningDaemon(kind, labNs.d1, conf, runDir);
  try {
    const at = await cap.done;
    const cpuMs = groupCpuMs(d.pid);
    if (at === null) return `no advert within 15 s (see ${d.logPath})`;
    return { ms: at - t0, cpuMs };
  } finally {
    cap.stop();
    d.crash();
    await d.waitExit(3000);
    // A crashed daemon leaves its VIP; the next run starts from a clean interface.
    spawnSync('ip', ['-n', labNs.d1, 'addr', 'del', `${vip}/32`, 'dev', 'eth0'], { stdio: 'ignore' });
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function benchStartup(opts: { reps?: number; daemons?: DaemonKind[] } = {}): Promise<void> {
  const reps = Math.max(1, opts.reps ?? 7);
  const daemons = opts.daemons ?? [keepalivedDaemon, oursDaemon];
  const lab = createLab(`kst${process.pid % 1000}`, ['d1', 'c1']);
  const work = mkdtempSync(join(tmpdir(), 'kats-startup-'));
  try {
    const ns = { d1: lab.hosts.get('d1')!.ns, c1: lab.hosts.get('c1')!.ns };
    const conf = writeConf(work, 'owner.conf', ownerConf(lab.vip));
    console.log(`\nVRRP start-up: exec -> first advert at the client (one instance, priority 255), ${reps} runs after 1 warm-up`);
    console.log('| daemon | first advert ms min/median/max | CPU ms by then (median) | ratio ours/ka (median) |');
    console.log('|---|---|---|---|');
    let kaMedian: number | null = null;
    for (const kind of daemons) {
      const samples: Sample[] = [];
      let error = '';
      for (let i = 0; i <= reps; i++) {
        const r = await once(kind, ns, conf, join(work, `${kind.name}-${i}`), lab.vip);
        if (typeof r === 'string') {
          error = r;
          break;
        }
        if (i > 0) samples.push(r);
      }
      if (error) {
        console.log(`| ${kind.name} | ${error} | | |`);
        continue;
      }
      const ms = samples.map((s) => s.ms);
      const med = median(ms);
      if (kind.name === 'keepalived') kaMedian = med;
      const ratio = kind.name !== 'keepalived' && kaMedian ? (med / kaMedian).toFixed(2) : '';
      console.log(`| ${kind.name} | ${Math.min(...ms).toFixed(1)}/${med.toFixed(1)}/${Math.max(...ms).toFixed(1)} | ${median(samples.map((s) => s.cpuMs)).toFixed(0)} | ${ratio} |`);
    }
  } finally {
    lab.down();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--reps');
  await benchStartup({ reps: i >= 0 ? Number(args[i + 1]) : 7 });
}
