// Bogus-advert flood against a live master/backup pair (issue 6: "a flood of bogus adverts does
// not starve real ones (measure it)").
//
//   node test/soak/flood.ts [--rate 20000] [--seconds 10] [--advert 0.1]
//
// r1 (priority 150, master) and r2 (priority 100, backup) run VRRPv3 at advert_int 0.1 s, so r2
// takes over if it misses adverts for master_down_interval (~0.36 s). A third namespace sends a
// round-robin mix of adverts for the same group that must be dropped (TTL 64, VRRPv2 for a v3
// instance, unknown VRID) at `rate`/s for `seconds`. Measured: the sender's achieved rate, the
// daemons' TTL drop counter (SIGUSR2 keepalived.stats; a third of the mix) as a rate, the CPU the
// daemons used during the flood (utime+stime from /proc), and whether the VIP ever flapped
// (polled every 100 ms, plus the daemons' state lines). Prints one JSON object.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, conf, instanceBlock, sleep, waitFor, type Daemon } from '../lib/lab.ts';

export const FLOOD_VIP = '10.99.0.100';

export interface FloodOptions {
  prefix: string;
  rate: number;
  seconds: number;
  advert: string;
  log?: (s: string) => void;
}

export interface FloodResult {
  settled: boolean;
  sent: number;
  sendRatePerS: number;
  /** TTL drops counted by the backup (r2) and the master (r1) during the flood. */
  ttlDropsR1: number;
  ttlDropsR2: number;
  ttlDropRatePerSR2: number;
  /** CPU used by each daemon during the flood, as % of one core. */
  cpuPctR1: number;
  cpuPctR2: number;
  /** VIP samples during the flood where the holder set was not exactly [r1]. */
  badSamples: number;
  samples: number;
  /** State lines (Entering ... STATE) logged by either daemon during the flood. */
  stateChanges: string[];
  logs: string;
}

function cpuTicks(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
  } catch {
    return 0;
  }
}

async function ttlDrops(d: Daemon, dir: string): Promise<number> {
  const file = join(dir, 'keepalived.stats');
  rmSync(file, { force: true });
  d.signal('SIGUSR2');
  await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').length > 0, 5000);
  const m = /^\s+TTL: (\d+)/m.exec(existsSync(file) ? readFileSync(file, 'utf8') : '');
  return m ? Number(m[1]) : -1;
}

export async function runFlood(o: FloodOptions): Promise<FloodResult> {
  const log = o.log ?? (() => {});
  const lab = new Lab(o.prefix);
  try {
    lab.setup([
      { name: 'r1', ip4: '10.99.0.1' },
      { name: 'r2', ip4: '10.99.0.2' },
      { name: 'x', ip4: '10.99.0.9' },
    ]);
    const dirs = [join(lab.dir, 'd1'), join(lab.dir, 'd2')];
    for (const d of dirs) mkdirSync(d);
    const r1 = lab.start('r1', conf(instanceBlock({ priority: 150, advert: o.advert })), ['--dump-dir', dirs[0], '--control-socket', join(lab.dir, 'r1.sock')]);
    const r2 = lab.start('r2', conf(instanceBlock({ priority: 100, advert: o.advert })), ['--dump-dir', dirs[1], '--control-socket', join(lab.dir, 'r2.sock')]);
    const only1 = () => lab.holders(FLOOD_VIP, ['r1', 'r2']).join() === 'r1';
    const settled = (await waitFor(only1, 15_000)) && (await waitFor(() => r2.count(/Entering BACKUP STATE/) >= 1, 5000));
    await sleep(1000);
    const pids = [lab.readPid(r1) ?? r1.pid, lab.readPid(r2) ?? r2.pid];
    const d1 = await ttlDrops(r1, dirs[0]);
    const d2 = await ttlDrops(r2, dirs[1]);
    const lines0 = [r1.lines.length, r2.lines.length];
    const cpu0 = pids.map(cpuTicks);
    const t0 = performance.now();
    log(`flooding ${o.rate}/s for ${o.seconds} s`);
    const x = lab.host('x');
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'attacker.ts'), '--ns', x.ns, '--dev', 'eth0', '--rate', String(o.rate), '--seconds', String(o.seconds), '--vrid', '51', '--vip', FLOOD_VIP, '--src', x.ip4, '--version', '3'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    lab.procs.push(child);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    const done = new Promise<void>((r) => child.on('exit', () => r()));
    let samples = 0;
    let bad = 0;
    let exited = false;
    void done.then(() => (exited = true));
    while (!exited) {
      samples++;
      if (!only1()) bad++;
      await sleep(100);
    }
    const wall = (performance.now() - t0) / 1000;
    const cpu1 = pids.map(cpuTicks);
    await sleep(200);
    const e1 = await ttlDrops(r1, dirs[0]);
    const e2 = await ttlDrops(r2, dirs[1]);
    const sentInfo = JSON.parse(out.trim().split('\n').pop() || '{}') as { sent?: number; ratePerS?: number; seconds?: number };
    const stateChanges = [
      ...r1.lines.slice(lines0[0]).filter((l) => /Entering \w+ STATE/.test(l)).map((l) => `r1: ${l}`),
      ...r2.lines.slice(lines0[1]).filter((l) => /Entering \w+ STATE/.test(l)).map((l) => `r2: ${l}`),
    ];
    const res: FloodResult = {
      settled,
      sent: sentInfo.sent ?? 0,
      sendRatePerS: sentInfo.ratePerS ?? 0,
      ttlDropsR1: e1 - d1,
      ttlDropsR2: e2 - d2,
      ttlDropRatePerSR2: Math.round((e2 - d2) / (sentInfo.seconds ?? wall)),
      cpuPctR1: Math.round(((cpu1[0] - cpu0[0]) / 100 / wall) * 1000) / 10,
      cpuPctR2: Math.round(((cpu1[1] - cpu0[1]) / 100 / wall) * 1000) / 10,
      badSamples: bad,
      samples,
      stateChanges,
      logs: '',
    };
    await lab.stopAll(5000);
    res.logs = [r1, r2].map((d) => d.dump()).join('\n');
    return res;
  } finally {
    lab.close();
    lab.cleanupDir();
  }
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

if (import.meta.main) {
  const r = await runFlood({
    prefix: 'katsfl',
    rate: Number(arg('--rate', '20000')),
    seconds: Number(arg('--seconds', '10')),
    advert: arg('--advert', '0.1'),
    log: (s) => console.error(s),
  });
  const { logs, ...fig } = r;
  console.log(JSON.stringify({ ...fig, loadavg: (await import('node:os')).loadavg().map((x) => x.toFixed(2)) }, null, 1));
  if (!r.settled || r.badSamples > 0 || r.stateChanges.length > 0) {
    console.error(logs);
    process.exitCode = 1;
  }
}
