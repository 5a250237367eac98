// Guest half of the LVS manager benchmark (bench/lvs.ts boots the VM and runs this inside it):
// "table apply time for 1,000 services x 10 real servers from cold, and after 10 % of the real
// servers fail at once", through the whole LVS manager path (keepalived.conf -> real-server
// health -> wanted table -> reconcile -> IPVS), ours against keepalived 2.2.7 on the same
// configuration in the same VM.
//
// One keepalived.conf: S virtual servers (NAT, wrr) x D real servers; every tenth real server has
// a TCP_CHECK whose connect_ip/connect_port point at a local listener (a separate Node process,
// so that this process polling the table never delays an accept); the others have no checker
// (KATS_BENCH_CHECK_ALL=1: every real server has one, on a second listener that stays up). Measured per daemon (ours with -C, keepalived with --check: the checker side only):
//  - cold: daemon spawned on an empty table -> `ipvsadm -Ln` shows all S services and S x D
//    real servers (both add every real server at start, as alive, before any check);
//  - fail: the second listener killed (its checks get "connection refused" at once) -> the table
//    shows S x D x 90 % real servers; bounded below by the check period (delay_loop), the same
//    for both, so the first removal is reported too;
//  - the daemon's CPU time (utime+stime of its processes, /proc) at each point: on a shared,
//    emulated CPU the less noisy figure.
// Plus, in this process, the manager path alone on the real kernel without checkers: config
// loaded -> LvsState -> wanted table -> LvsManager.sync() from empty (start-up read of the kernel,
// reconcile, batched apply), then again after 10 % of the real servers are marked down (an
// ordinary pass: diffed against the table as last applied, no kernel read).
// Prints one `@@BENCH {json}@@` line per measurement.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadConfig } from '../src/config/load.ts';
import { LvsState } from '../src/lvs/state.ts';
import { realServerKey, virtualServerKey } from '../src/lvs/wanted.ts';
import { LvsManager } from '../src/lvs/manager.ts';
import { IpvsClient } from '../src/ipvs/client.ts';
import { systemClock } from '../src/lib/clock.ts';
import { silentLogger } from '../src/obs/log.ts';

const S = Number(process.env.KATS_BENCH_SERVICES ?? 1000);
const D = Number(process.env.KATS_BENCH_DESTS ?? 10);
const DELAY_LOOP = Number(process.env.KATS_BENCH_DELAY_LOOP ?? 5);
/**
 * KATS_BENCH_CHECK_ALL=1: a TCP_CHECK on every real server. By default only the real servers that
 * will fail have one (the others have none: alive for good, in keepalived and in ours), so the
 * figures are about applying the table, not about running 10,000 checks per delay_loop on an
 * emulated CPU (measured that way with delay_loop 10, our daemon did not keep up under TCG).
 */
const CHECK_ALL = process.env.KATS_BENCH_CHECK_ALL === '1';
const PORT_OK = 18001;
const PORT_FAIL = 18002;
const TOTAL = S * D;
const FAILING = S * Math.ceil(D / 10); // j >= D - ceil(D/10): one in ten
const BIN = join(import.meta.dirname, '..', 'src', 'cli', 'bin.js');
const dir = mkdtempSync(join(tmpdir(), 'kats-lvsbench-'));

const vip = (i: number) => `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
const rip = (i: number, j: number) => `10.${200 + (i >> 16)}.${(i >> 8) & 255}.${j + 1}`;
const fails = (j: number) => j >= D - Math.ceil(D / 10);

function configText(): string {
  const out = ['global_defs {', '  router_id lvsbench', '}'];
  for (let i = 0; i < S; i++) {
    out.push(`virtual_server ${vip(i)} 80 {`, `  delay_loop ${DELAY_LOOP}`, '  lb_algo wrr', '  lb_kind NAT', '  protocol TCP');
    for (let j = 0; j < D; j++) {
      if (!CHECK_ALL && !fails(j)) {
        out.push(`  real_server ${rip(i, j)} 8080 {`, '    weight 1', '  }');
        continue;
      }
      out.push(
        `  real_server ${rip(i, j)} 8080 {`,
        '    weight 1',
        '    TCP_CHECK {',
        '      connect_ip 127.0.0.1',
        `      connect_port ${fails(j) ? PORT_FAIL : PORT_OK}`,
        '      connect_timeout 2',
        '      retry 0',
        '    }',
        '  }',
      );
    }
    out.push('}');
  }
  return out.join('\n') + '\n';
}

function report(name: string, extra: Record<string, unknown>): void {
  console.log(`@@BENCH ${JSON.stringify({ name, ...extra })}@@`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

/** A listener that accepts and closes, in its own process (this one blocks while it polls). */
function listener(port: number): ChildProcess {
  return spawn(process.execPath, ['-e', `require('node:net').createServer((s) => s.destroy()).listen({ port: ${port}, host: '127.0.0.1', backlog: 4096 })`], { stdio: 'ignore' });
}
async function waitListening(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = spawnSync('sh', ['-c', `grep -qi ':${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A' /proc/net/tcp`]);
    if (r.status === 0) return;
    await sleep(50);
  }
  throw new Error(`listener on ${port} never came up`);
}

/** Services and real servers in `ipvsadm -Ln`, and how long reading them took. */
function counts(): { services: number; dests: number; ms: number } {
  const t0 = now();
  const out = spawnSync('ipvsadm', ['-Ln'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout ?? '';
  let services = 0;
  let dests = 0;
  for (const l of out.split('\n')) {
    if (/^(TCP|UDP|SCTP|FWM)\s/.test(l)) services++;
    else if (/^\s+->\s+\d/.test(l)) dests++;
  }
  return { services, dests, ms: now() - t0 };
}

/** CPU seconds (utime+stime) of every process whose argv matches `re`. */
const TICK = 100; // USER_HZ on Linux/x86_64
function cpuOf(re: RegExp): number {
  let ticks = 0;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (!re.test(cmd)) continue;
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / TICK;
}

async function until(pred: (c: ReturnType<typeof counts>) => boolean, timeoutMs: number, onPoll?: (c: ReturnType<typeof counts>) => void): Promise<ReturnType<typeof counts> & { polls: number; pollMs: number } | null> {
  const end = now() + timeoutMs;
  let polls = 0;
  let pollMs = 0;
  while (now() < end) {
    const c = counts();
    polls++;
    pollMs += c.ms;
    onPoll?.(c);
    if (pred(c)) return { ...c, polls, pollMs: pollMs / polls };
    await sleep(100);
  }
  return null;
}

async function runDaemon(name: 'ours' | 'keepalived', conf: string): Promise<void> {
  spawnSync('ipvsadm', ['-C']);
  const failer = listener(PORT_FAIL);
  await waitListening(PORT_FAIL);
  const argv =
    name === 'ours'
      ? [process.execPath, BIN, '-f', conf, '-n', '-C', '--log-format', 'keepalived', '--control-socket', join(dir, 'ctl.sock'), '-p', join(dir, 'ours.pid')]
      : // No --log-console: it writes to the serial console, which would slow keepalived down.
        ['keepalived', '--check', '--dont-fork', '-f', conf, '-p', join(dir, 'ka.pid'), '-c', join(dir, 'ka-check.pid'), '-r', join(dir, 'ka-vrrp.pid')];
  const match = name === 'ours' ? new RegExp(`bin\\.js -f ${conf.replaceAll('.', '\\.')}`) : /^keepalived /;
  const t0 = now();
  const d = spawn(argv[0], argv.slice(1), { stdio: 'ignore', detached: true });
  let exited = false;
  d.on('exit', () => (exited = true));
  try {
    const cold = await until((c) => c.services === S && c.dests === TOTAL, 600_000);
    if (!cold) throw new Error(`${name}: the table never reached ${S} services / ${TOTAL} real servers`);
    const coldMs = now() - t0;
    report(`${name}: cold`, { ms: Math.round(coldMs), cpuS: cpuOf(match), polls: cold.polls, pollMs: Math.round(cold.pollMs) });
    // Let the first round of checks pass (every check runs within one delay_loop), then fail 10 %.
    await sleep(DELAY_LOOP * 1000 + 2000);
    const cpu0 = cpuOf(match);
    const t1 = now();
    failer.kill('SIGKILL');
    let first: number | null = null;
    const limitMs = DELAY_LOOP * 1000 * 3 + 60_000;
    const done = await until(
      (c) => c.dests === TOTAL - FAILING,
      limitMs,
      (c) => {
        if (first === null && c.dests < TOTAL) first = now() - t1;
      },
    );
    const cpuS = Math.round((cpuOf(match) - cpu0) * 100) / 100;
    const firstMs = first === null ? null : Math.round(first);
    // Not done in time is a result too (an overloaded checker), not a crash of the benchmark.
    if (!done) report(`${name}: 10% fail`, { ms: null, incomplete: true, limitMs, removed: TOTAL - counts().dests, firstMs, cpuS });
    else report(`${name}: 10% fail`, { ms: Math.round(now() - t1), firstMs, cpuS, polls: done.polls, pollMs: Math.round(done.pollMs) });
  } finally {
    try {
      process.kill(-d.pid!, 'SIGTERM');
    } catch {
      // gone
    }
    for (let i = 0; i < 600 && !exited; i++) await sleep(100);
    if (!exited) process.kill(-d.pid!, 'SIGKILL');
    failer.kill('SIGKILL');
    spawnSync('ipvsadm', ['-C']);
  }
}

/** The manager path in-process, no checkers: config -> state -> wanted -> sync, cold then 10 % down. */
async function managerPath(conf: string): Promise<void> {
  spawnSync('ipvsadm', ['-C']);
  let t0 = now();
  const { model } = loadConfig(conf);
  if (!model) throw new Error('the benchmark configuration does not load');
  const loadMs = now() - t0;
  const ipvs = await IpvsClient.open();
  const mgr = new LvsManager({ ipvs, logger: silentLogger(), clock: systemClock, repairIntervalMs: 0, coalesceMs: 3_600_000 });
  try {
    t0 = now();
    const state = new LvsState(model);
    mgr.setWanted(state.table().table);
    const r1 = await mgr.sync();
    const coldMs = now() - t0;
    if (r1.failed.length) throw new Error(`${r1.failed.length} operations failed`);
    const c1 = counts();
    report('manager path: cold', { ms: Math.round(coldMs), loadMs: Math.round(loadMs), ops: r1.ops.length, services: c1.services, dests: c1.dests, reads: mgr.counters.reads });
    t0 = now();
    for (const vs of model.virtualServers) {
      const vk = virtualServerKey(vs);
      vs.realServers.forEach((rs, j) => {
        if (fails(j)) state.setAlive(vk, realServerKey(rs), false);
      });
    }
    mgr.setWanted(state.table().table);
    const r2 = await mgr.sync();
    const failMs = now() - t0;
    const c2 = counts();
    report('manager path: 10% fail', { ms: Math.round(failMs), ops: r2.ops.length, dests: c2.dests, reads: mgr.counters.reads });
  } finally {
    await mgr.stop(false);
    ipvs.close();
    spawnSync('ipvsadm', ['-C']);
  }
}

const conf = join(dir, 'keepalived.conf');
writeFileSync(conf, configText());
const ok = listener(PORT_OK);
try {
  await waitListening(PORT_OK);
  report('config', { services: S, dests: D, total: TOTAL, failing: FAILING, delayLoop: DELAY_LOOP, checked: CHECK_ALL ? TOTAL : FAILING, bytes: readFileSync(conf).length });
  await managerPath(conf);
  const order = (process.env.KATS_BENCH_ORDER ?? 'ours,keepalived').split(',') as ('ours' | 'keepalived')[];
  for (const who of order) await runDaemon(who, conf);
} finally {
  ok.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
