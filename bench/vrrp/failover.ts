// VRRP failover benchmark (issue 4): for keepalived and for keepalived-ts on the same lab, in the
// same run: crash failover (link down + kill -9 of the process group), graceful handover (SIGTERM)
// and preempt-back (relaunch of the higher-priority node), at several advert intervals; medians of
// REPS runs; the protocol floor; and the ratio ours / keepalived. Figures come from a packet
// capture at the client (see capture.ts). Run: `node bench/vrrp/failover.ts [--reps N] [--modes 2:1,3:0.1]`
// [--daemon ours|keepalived]; KATS_BENCH_KEEP=1 keeps the captures and daemon logs for a look.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { createLab, hasAddress, type Lab } from '../../deploy/lab/topology.ts';
import { RunningDaemon, keepalivedDaemon, oursDaemon, vrrpConf, writeConf, type DaemonKind } from '../../deploy/lab/daemon.ts';
import { Capture, readCapture, analyze, type Figures } from './capture.ts';

interface Mode {
  version: 2 | 3;
  advertSec: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A dead host: no process of the old daemon may survive in its namespace (keepalived's VRRP
 * child is reparented, not always killed with the group at once, and a relaunch then refuses
 * to start with "daemon is already running"). */
async function emptyNamespace(ns: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
    if (pids.length === 0) return;
    if (Date.now() > end) throw new Error(`processes ${pids.join(' ')} still alive in ${ns} after ${timeoutMs} ms`);
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    await sleep(20);
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number, stepMs = 5): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(stepMs);
  }
  return cond();
}

export function skewMs(mode: Mode, prio: number): number {
  return mode.version === 2 ? ((256 - prio) / 256) * 1000 : ((256 - prio) * mode.advertSec * 1000) / 256;
}

export function masterDownMs(mode: Mode, prio: number): number {
  return 3 * mode.advertSec * 1000 + skewMs(mode, prio);
}

const median = (xs: (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

interface CaseResult {
  daemon: string;
  mode: string;
  kase: 'crash' | 'graceful' | 'preempt';
  figures: Figures[];
}

async function runDaemon(kind: DaemonKind, lab: Lab, mode: Mode, reps: number, work: string): Promise<CaseResult[]> {
  const d1 = lab.hosts.get('d1')!;
  const d2 = lab.hosts.get('d2')!;
  const c1 = lab.hosts.get('c1')!;
  const confDir = join(work, kind.name);
  const conf1 = writeConf(confDir, 'd1.conf', vrrpConf({ name: 'd1', priority: 150, version: mode.version, advertSec: mode.advertSec, nopreempt: false, vip: lab.vip }));
  const conf2 = writeConf(confDir, 'd2.conf', vrrpConf({ name: 'd2', priority: 100, version: mode.version, advertSec: mode.advertSec, nopreempt: false, vip: lab.vip }));
  const adv = mode.advertSec * 1000;
  const bound = 8 * adv + 5000;
  // Pings every 2 ms: the client outage is measured as the gap between the last reply from the
  // old master and the first from the new one, so the probe interval is its resolution (and its
  // floor when nothing is lost); the graceful target is <= 5 ms.
  const probeSec = 0.002;
  const modeName = `v${mode.version} ${mode.advertSec}s`;
  const results: CaseResult[] = (['crash', 'graceful', 'preempt'] as const).map((kase) => ({ daemon: kind.name, mode: modeName, kase, figures: [] }));
  const add = (kase: CaseResult['kase'], f: Figures) => results.find((r) => r.kase === kase)!.figures.push(f);

  // A fresh run directory per launch of d1: this sandbox's PID 1 does not reap orphans, so
  // keepalived's killed VRRP child stays a zombie and a relaunch reading the old vrrp.pid would
  // refuse to start ("daemon is already running"). A rebooted host has no old pid files either.
  let launches = 0;
  const launchD1 = () => new RunningDaemon(kind, d1.ns, conf1, join(work, `run-d1-${launches++}`));
  let a = launchD1();
  const b = new RunningDaemon(kind, d2.ns, conf2, join(work, 'run-d2'));
  const steady = () => hasAddress(d1.ns, lab.vip) && !hasAddress(d2.ns, lab.vip);
  try {
    if (!(await waitFor(steady, bound + 2000))) throw new Error(`${kind.name}: no steady state (VIP on d1 only) within ${bound + 2000} ms; see ${a.logPath}`);
    for (let rep = 0; rep < reps; rep++) {
      const phase = () => 300 + adv + Math.random() * adv;
      // crash: link down, then kill -9 of the whole process group (a dead host).
      {
        const cap = new Capture(c1.ns, join(work, `crash-${rep}.pcap`));
        cap.startProbe(c1.ns, lab.vip, probeSec);
        await sleep(phase());
        const t0 = Date.now();
        spawnSync('ip', ['-n', d1.ns, 'link', 'set', 'eth0', 'down']);
        a.crash();
        await waitFor(() => hasAddress(d2.ns, lab.vip), bound);
        await sleep(Math.max(200, 2 * adv));
        await cap.stop();
        add('crash', analyze(readCapture(cap.file), t0, d1.mac, d2.mac, lab.vip));
        await a.waitExit(2000);
        await emptyNamespace(d1.ns, 3000);
        spawnSync('ip', ['-n', d1.ns, 'addr', 'del', `${lab.vip}/32`, 'dev', 'eth0'], { stdio: 'ignore' });
        spawnSync('ip', ['-n', d1.ns, 'link', 'set', 'eth0', 'up']);
      }
      // preempt: relaunch d1; T0 = launch, so start-up is included.
      {
        const cap = new Capture(c1.ns, join(work, `preempt-${rep}.pcap`));
        cap.startProbe(c1.ns, lab.vip, probeSec);
        await sleep(300);
        const t0 = Date.now();
        a = launchD1();
        const back = await waitFor(steady, bound);
        await sleep(Math.max(200, 2 * adv));
        await cap.stop();
        if (!back) throw new Error(`${kind.name}: d1 did not preempt back within ${bound} ms; see ${a.logPath}`);
        add('preempt', analyze(readCapture(cap.file), t0, d2.mac, d1.mac, lab.vip));
      }
      // graceful: SIGTERM to the master.
      {
        const cap = new Capture(c1.ns, join(work, `graceful-${rep}.pcap`));
        cap.startProbe(c1.ns, lab.vip, probeSec);
        await sleep(phase());
        const t0 = Date.now();
        a.terminate();
        await waitFor(() => hasAddress(d2.ns, lab.vip) && !hasAddress(d1.ns, lab.vip), bound);
        await sleep(Math.max(200, 2 * adv));
        await cap.stop();
        add('graceful', analyze(readCapture(cap.file), t0, d1.mac, d2.mac, lab.vip));
        await a.waitExit(3000);
        await emptyNamespace(d1.ns, 3000);
        a = launchD1();
        if (!(await waitFor(steady, bound))) throw new Error(`${kind.name}: d1 did not take the VIP back within ${bound} ms; see ${a.logPath}`);
      }
    }
  } finally {
    a.crash();
    b.crash();
    await a.waitExit(1000);
    await b.waitExit(1000);
  }
  return results;
}

function fmt(x: number | null): string {
  return x === null ? '–' : x.toFixed(1);
}

export async function benchFailover(opts: { reps?: number; modes?: Mode[]; daemons?: DaemonKind[] } = {}): Promise<void> {
  const reps = opts.reps ?? 5;
  const modes = opts.modes ?? [
    { version: 2, advertSec: 1 },
    { version: 3, advertSec: 0.1 },
    { version: 3, advertSec: 0.01 },
  ];
  const daemons = opts.daemons ?? [keepalivedDaemon, oursDaemon];
  const all: CaseResult[] = [];
  for (const mode of modes) {
    for (const kind of daemons) {
      const work = mkdtempSync(join(tmpdir(), 'kats-bench-'));
      const lab = createLab(`kb${process.pid % 1000}`);
      try {
        all.push(...(await runDaemon(kind, lab, mode, reps, work)));
      } catch (e) {
        console.error(`${kind.name} v${mode.version} ${mode.advertSec}s: ${(e as Error).message}`);
      } finally {
        lab.down();
        if (process.env.KATS_BENCH_KEEP) console.error(`kept ${work}`);
        else rmSync(work, { recursive: true, force: true });
      }
    }
  }
  console.log('\nVRRP failover, ms (median of %d); timer = new master\'s first advert - old master\'s last packet', reps);
  console.log('| mode | case | floor | daemon | timer | 1st advert | 1st GARP | 1st reply | client outage | lost | ratio ours/ka (timer; preempt: 1st advert) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const mode of modes) {
    const name = `v${mode.version} ${mode.advertSec}s`;
    for (const kase of ['crash', 'graceful', 'preempt'] as const) {
      const floor = kase === 'crash' ? masterDownMs(mode, 100) : kase === 'graceful' ? skewMs(mode, 100) : masterDownMs(mode, 150);
      const ka = all.find((r) => r.mode === name && r.kase === kase && r.daemon === 'keepalived');
      for (const r of all.filter((x) => x.mode === name && x.kase === kase)) {
        const m = (k: keyof Figures) => median(r.figures.map((f) => f[k]));
        // Preempt-back has no meaningful "timer" (the old master is alive); compare from launch.
        const key: keyof Figures = kase === 'preempt' ? 'firstAdvert' : 'timer';
        const mine = m(key);
        const theirs = ka ? median(ka.figures.map((f) => f[key])) : null;
        const ratio = r.daemon !== 'keepalived' && mine !== null && theirs ? (mine / theirs).toFixed(3) : '';
        console.log(`| ${name} | ${kase} | ${floor.toFixed(1)} | ${r.daemon} | ${kase === 'preempt' ? '–' : fmt(m('timer'))} | ${fmt(m('firstAdvert'))} | ${fmt(m('firstGarp'))} | ${fmt(m('firstReply'))} | ${fmt(m('outage'))} | ${fmt(m('lostProbes'))} | ${ratio} |`);
      }
    }
  }
  console.log(
    '\npreempt: the old master advertises until the takeover, so "last packet" is anywhere in its last interval and no timer is printed; ' +
      'times count from the launch of the returning master and include its start-up (bench/vrrp/startup.ts), so the ratio compares start-up + master_down_interval.',
  );
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const get = (k: string) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const modes = get('--modes')
    ?.split(',')
    .map((m) => {
      const [v, s] = m.split(':');
      return { version: Number(v) as 2 | 3, advertSec: Number(s) };
    });
  const only = get('--daemon');
  const daemons = only === 'keepalived' ? [keepalivedDaemon] : only === 'ours' ? [oursDaemon] : undefined;
  await benchFailover({ reps: Number(get('--reps') ?? 5), modes, daemons });
}
