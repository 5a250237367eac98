// Health-check benchmark (issue 8; method of shared/reference/healthcheck-bench.md). Not a test.
//
// Capacity: N HTTP checks per second (default 1,000 / 5,000 / 10,000), each on a fresh
// connection, against nginx (1 worker, CPU 1) answering on every 127.1.x.y:8080 inside a private
// network namespace that has only `lo`. Engines, measured in the same run, pinned to CPU 0:
//   haproxy   Debian's haproxy, nbthread 1, option httpchk GET /health, inter 1000 rise 2 fall 3
//   ts-lite   our Scheduler + checks/http-lite.ts (node:net), cadence as the daemon's checkers
//   ts-undici our Scheduler + checks/http.ts (undici Client per check)
// Figures per run over the window: checker CPU (utime+stime of its process tree from
// /proc/PID/stat, in cores), µs CPU per check, sys share, checks done per second (nginx
// stub_status request delta), nginx CPU, start lateness p50/p99 (ours: start - scheduled due),
// skipped/s, the ratio of µs/check to HAProxy's at the same N, and the machine's 1-minute load
// average at the end of each window (the machine may be shared: µs CPU per check is the figure
// that holds up under contention; lateness and checks/s do not). `--repeat R` runs every
// (N, engine) pair R times, interleaved, and the summary adds the median per pair.
// Detection latency: a backend process killed -> our checker's DOWN event, median of 20 runs,
// against fall x interval.
//
// Needs root, iproute2, taskset, and the Debian packages nginx-light and haproxy
// (`apt-get install nginx-light haproxy`); without nginx it says so and skips.
// Options: benchChecks({ rates, warmupS, windowS, engines, detectRuns, detectIntervalMs, fall })
// or on the command line: node bench/checks.ts --rates 1000,5000 --window-s 15 --warmup-s 5
//   [--engines haproxy,ts-lite] [--repeat R] [--coalesce-ms MS] [--detect-runs 20] [--detect-interval-ms 1000]
import { daemonNodeFlags } from '../deploy/lab/daemon.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { Scheduler, CHECKER_WAKEUP_GRID_MS } from '../src/scheduler/scheduler.ts';
import { CheckerMonitor } from '../src/scheduler/monitors.ts';
import { compileHttpCheck } from '../checks/http-lite.ts';
import { fmtTrio } from '../checks/types.ts';
import { targetAddress } from './checks-engine.ts';

export interface BenchChecksOptions {
  rates?: number[];
  warmupS?: number;
  windowS?: number;
  engines?: Array<'haproxy' | 'ts-lite' | 'ts-undici'>;
  detectRuns?: number;
  detectIntervalMs?: number;
  fall?: number;
  /** Runs per (N, engine), interleaved (default 1). */
  repeat?: number;
  /** Our scheduler's wake-up grid (Scheduler coalesceMs) for the ts-* engines (default: the daemon's, CHECKER_WAKEUP_GRID_MS). */
  coalesceMs?: number;
}

interface Row {
  engine: string;
  n: number;
  cpuCores: number;
  usPerCheck: number;
  sysShare: number;
  checksPerS: number;
  nginxCores: number;
  /** CPU used by everything else on the machine during the window (noisy neighbours). */
  otherCores: number;
  lateP50Ms?: number;
  lateP99Ms?: number;
  skippedPerS?: number;
  errors?: string;
  /** 1-minute load average at the end of the window. */
  load?: number;
}

const CLK_TCK = 100; // getconf CLK_TCK on Linux

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** utime, stime (ticks) of a process and all its descendants. */
function treeTicks(rootPid: number): { u: number; s: number } {
  const parent = new Map<number, number>();
  const ticks = new Map<number, { u: number; s: number }>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const st = readFileSync(`/proc/${e}/stat`, 'latin1');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(e), Number(f[1]));
      ticks.set(Number(e), { u: Number(f[11]), s: Number(f[12]) });
    } catch {
      /* gone */
    }
  }
  let u = 0;
  let s = 0;
  for (const [pid, t] of ticks) {
    let p: number | undefined = pid;
    for (let depth = 0; p !== undefined && p > 1 && depth < 64; depth++) {
      if (p === rootPid) {
        u += t.u;
        s += t.s;
        break;
      }
      p = parent.get(p);
    }
  }
  return { u, s };
}

/** Busy ticks of the whole machine (user+nice+system+irq+softirq) from /proc/stat. */
function machineBusyTicks(): number {
  const f = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return f[0] + f[1] + f[2] + f[5] + f[6];
}

/** nginx stub_status `requests` through its unix socket (reachable from outside the netns). */
function nginxRequests(sock: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath: sock, path: '/stub', headers: { host: 'stub' } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        const m = /\n\s*(\d+)\s+(\d+)\s+(\d+)/.exec(body);
        if (!m) return reject(new Error(`bad stub_status: ${body}`));
        resolve(Number(m[3]));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves once the child has exited (exitCode or signalCode set). */
function exited(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((r) => c.once('exit', () => r()));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || Number.isNaN(n)) return '-';
  return n.toFixed(digits);
}

export async function benchChecks(opts: BenchChecksOptions = {}): Promise<void> {
  const rates = opts.rates ?? [1000, 5000, 10_000];
  const warmupS = opts.warmupS ?? 5;
  const windowS = opts.windowS ?? 15;
  const engines = opts.engines ?? ['haproxy', 'ts-lite', 'ts-undici'];
  if (rates.length === 0) {
    console.log('bench checks: no rates, capacity benchmark skipped');
  } else if (!has('nginx')) {
    console.log('bench checks: nginx is not installed; install the Debian package nginx-light (apt-get install nginx-light haproxy). Skipping the capacity benchmark.');
  } else if (process.getuid?.() !== 0 || !has('ip')) {
    console.log('bench checks: needs root and iproute2 (ip netns). Skipping the capacity benchmark.');
  } else {
    coalesceMs = opts.coalesceMs ?? CHECKER_WAKEUP_GRID_MS;
    await capacity(rates, warmupS, windowS, Math.max(1, opts.repeat ?? 1), engines.filter((e) => e !== 'haproxy' || has('haproxy') || (console.log('bench checks: haproxy not installed (apt-get install haproxy); no HAProxy rows'), false)));
  }
  if ((opts.detectRuns ?? 20) > 0) await detection(opts.detectRuns ?? 20, opts.detectIntervalMs ?? 1000, opts.fall ?? 3);
}

let coalesceMs = 0;

async function capacity(rates: number[], warmupS: number, windowS: number, repeat: number, engines: string[]): Promise<void> {
  const ns = `kats-hcb-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'kats-hcb-'));
  const twoCpus = cpus().length >= 2;
  const pinChecker = twoCpus ? ['taskset', '-c', '0'] : [];
  const pinNginx = twoCpus ? ['taskset', '-c', '1'] : [];
  let nginx: ChildProcess | undefined;
  const rows: Row[] = [];
  try {
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.ip_local_port_range=1024 65535', 'net.ipv4.tcp_tw_reuse=1', 'net.core.somaxconn=65535', 'net.ipv4.tcp_max_syn_backlog=65535']);
    const stubSock = join(dir, 'stub.sock');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
worker_rlimit_nofile 19000;
events { worker_connections 16000; }
http {
  access_log off;
  client_body_temp_path ${dir}/cb; proxy_temp_path ${dir}/px; fastcgi_temp_path ${dir}/fc; uwsgi_temp_path ${dir}/uw; scgi_temp_path ${dir}/sc;
  server {
    listen 8080 backlog=65535;
    location /health { return 200 "ok\\n"; }
  }
  server {
    listen unix:${stubSock};
    location /stub { stub_status; }
  }
}
`,
    );
    nginx = spawn('ip', ['netns', 'exec', ns, ...pinNginx, 'nginx', '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    for (let i = 0; i < 100 && !existsSync(stubSock); i++) await sleep(50);
    if (!existsSync(stubSock)) throw new Error(`nginx did not start: ${readFileSync(join(dir, 'nginx-error.log'), 'utf8')}`);
    for (const n of rates) {
      for (let rep = 0; rep < repeat; rep++) for (const engine of engines) {
        let row: Row;
        try {
          row = engine === 'haproxy' ? await runHaproxy(ns, dir, n, warmupS, windowS, pinChecker, stubSock, nginx.pid!) : await runOurs(ns, engine, n, warmupS, windowS, pinChecker, stubSock, nginx.pid!);
        } catch (err) {
          row = { engine, n, cpuCores: NaN, usPerCheck: NaN, sysShare: NaN, checksPerS: NaN, nginxCores: NaN, otherCores: NaN, errors: `FAILED: ${(err as Error).message.split('\n').slice(-2).join(' ')}` };
        }
        row.load = loadavg()[0];
        rows.push(row);
        printRow(row, rows);
      }
    }
  } finally {
    if (nginx?.pid) {
      nginx.kill('SIGTERM');
      await exited(nginx);
    }
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\nSummary (ratio = µs CPU per check / HAProxy µs per check at the same N):');
  console.log(['engine', 'N', 'cores', 'µs/check', 'ratio', 'sys', 'checks/s', 'nginx cores', 'late p50 ms', 'late p99 ms', 'skipped/s', 'other load', 'load1', 'errors'].join(' | '));
  for (const r of rows) console.log(rowCells(r, rows).join(' | '));
  if (repeat > 1) {
    console.log(`\nMedians over ${repeat} interleaved runs (ratio = median µs/check / HAProxy's median at the same N):`);
    console.log(['engine', 'N', 'µs/check', 'ratio', 'checks/s', 'late p99 ms', 'load1 range'].join(' | '));
    for (const n of rates) {
      const ha = median(rows.filter((x) => x.engine === 'haproxy' && x.n === n).map((x) => x.usPerCheck));
      for (const engine of engines) {
        const rs = rows.filter((x) => x.engine === engine && x.n === n);
        const us = median(rs.map((x) => x.usPerCheck));
        const loads = rs.map((x) => x.load ?? NaN);
        console.log([engine, String(n), fmt(us), ha > 0 ? `${(us / ha).toFixed(2)}x` : '-', fmt(median(rs.map((x) => x.checksPerS))), fmt(median(rs.map((x) => x.lateP99Ms ?? NaN)), 1), `${fmt(Math.min(...loads), 2)}-${fmt(Math.max(...loads), 2)}`].join(' | '));
      }
    }
  }
}

function median(xs: number[]): number {
  const v = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function rowCells(r: Row, rows: Row[]): string[] {
  // the HAProxy run of the same N and repetition (the one just before), else any at this N
  const idx = rows.indexOf(r);
  const ha = rows.slice(0, idx + 1).reverse().find((x) => x.engine === 'haproxy' && x.n === r.n) ?? rows.find((x) => x.engine === 'haproxy' && x.n === r.n);
  const ratio = ha && ha.usPerCheck > 0 ? `${(r.usPerCheck / ha.usPerCheck).toFixed(2)}x` : '-';
  return [r.engine, String(r.n), fmt(r.cpuCores, 3), fmt(r.usPerCheck), ratio, fmt(r.sysShare, 2), fmt(r.checksPerS), fmt(r.nginxCores, 3), fmt(r.lateP50Ms, 1), fmt(r.lateP99Ms, 1), fmt(r.skippedPerS), fmt(r.otherCores, 2), fmt(r.load, 2), r.errors ?? ''];
}

function printRow(r: Row, rows: Row[]): void {
  console.log(rowCells(r, rows).join(' | '));
}

async function measure(pid: number, nginxPid: number, stubSock: string, windowS: number, until?: Promise<unknown>) {
  const c0 = treeTicks(pid);
  const g0 = treeTicks(nginxPid);
  const m0 = machineBusyTicks();
  const r0 = await nginxRequests(stubSock);
  const t0 = performance.now();
  if (until) await until;
  else await sleep(windowS * 1000);
  const c1 = treeTicks(pid);
  const g1 = treeTicks(nginxPid);
  const m1 = machineBusyTicks();
  const r1 = await nginxRequests(stubSock);
  const secs = (performance.now() - t0) / 1000;
  const u = c1.u - c0.u;
  const s = c1.s - c0.s;
  const cpuCores = (u + s) / CLK_TCK / secs;
  const checksPerS = (r1 - r0) / secs;
  return {
    cpuCores,
    checksPerS,
    usPerCheck: checksPerS > 0 ? (cpuCores * 1e6) / checksPerS : NaN,
    sysShare: u + s > 0 ? s / (u + s) : NaN,
    nginxCores: (g1.u + g1.s - g0.u - g0.s) / CLK_TCK / secs,
    otherCores: (m1 - m0) / CLK_TCK / secs - cpuCores - (g1.u + g1.s - g0.u - g0.s) / CLK_TCK / secs,
  };
}

async function runHaproxy(ns: string, dir: string, n: number, warmupS: number, windowS: number, pin: string[], stubSock: string, nginxPid: number): Promise<Row> {
  const servers: string[] = [];
  for (let i = 0; i < n; i++) servers.push(`  server s${i} ${targetAddress(i)}:8080`);
  const cfg = join(dir, `haproxy-${n}.cfg`);
  // fds needed ~ 2 x maxconn + one per server check: stay under the hard RLIMIT_NOFILE
  const hard = Number(spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim()) || 20000;
  const maxconn = Math.max(256, Math.floor((Math.min(hard, 1_000_000) - n - 200) / 2));
  writeFileSync(
    cfg,
    `global
  nbthread 1
  maxconn ${maxconn}
defaults
  mode http
  timeout connect 2s
  timeout client 5s
  timeout server 5s
  timeout check 2s
frontend f
  bind 127.0.0.1:9999
  default_backend b
backend b
  option httpchk GET /health
  default-server check inter 1000 rise 2 fall 3
${servers.join('\n')}
`,
  );
  // HAProxy sizes its fd needs from maxconn and the server count: run it at the hard limit.
  const hp = spawn('ip', ['netns', 'exec', ns, ...pin, 'sh', '-c', 'ulimit -n "$(ulimit -Hn)" && exec haproxy -db -f "$0"', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errText = '';
  hp.stderr!.on('data', (d) => (errText = (errText + d).slice(-2000)));
  try {
    await sleep(warmupS * 1000);
    if (hp.exitCode !== null) throw new Error(`haproxy exited: ${errText}`);
    const m = await measure(hp.pid!, nginxPid, stubSock, windowS);
    return { engine: 'haproxy', n, ...m };
  } finally {
    hp.kill('SIGTERM');
    await exited(hp);
  }
}

async function runOurs(ns: string, engine: string, n: number, warmupS: number, windowS: number, pin: string[], stubSock: string, nginxPid: number): Promise<Row> {
  const probe = engine === 'ts-undici' ? 'undici' : 'lite';
  const script = join(import.meta.dirname, 'checks-engine.ts');
  // The checker runs with the daemon's own V8 flags (deploy/lab/daemon.ts, as the bin's shebang and
  // the systemd unit launch it): the young-generation size decides the GC pauses that make p99
  // lateness. BENCH_ENGINE_NODE_FLAGS replaces them (e.g. '' for Node's defaults, or --trace-gc).
  const nodeFlags = (process.env.BENCH_ENGINE_NODE_FLAGS ?? daemonNodeFlags.join(' ')).split(/\s+/).filter(Boolean);
  const child = spawn('ip', ['netns', 'exec', ns, ...pin, process.execPath, ...nodeFlags, script, '--rate', String(n), '--probe', probe, '--warmup-s', String(warmupS), '--window-s', String(windowS), '--coalesce-ms', String(coalesceMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: Array<Record<string, unknown>> = [];
  let buf = '';
  let onEvent: (e: Record<string, unknown>) => void = () => {};
  child.stdout!.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        const e = JSON.parse(line) as Record<string, unknown>;
        events.push(e);
        onEvent(e);
      } catch {
        // not one of the engine's JSON lines (e.g. --trace-gc output): shown when debugging
        if (process.env.BENCH_ENGINE_DEBUG) console.error(line);
      }
    }
  });
  const waitEvent = (name: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = events.find((e) => e.event === name);
      if (found) return resolve(found);
      const prev = onEvent;
      onEvent = (e) => {
        prev(e);
        if (e.event === name) resolve(e);
      };
      child.once('exit', () => reject(new Error(`engine exited before ${name}`)));
    });
  try {
    await waitEvent('window-start');
    const m = await measure(child.pid!, nginxPid, stubSock, windowS, waitEvent('window-end'));
    const res = await waitEvent('result');
    if (process.env.BENCH_ENGINE_DEBUG) console.error(JSON.stringify(res));
    const reasons = res.reasons as Record<string, number>;
    const errors = Object.entries(reasons)
      .filter(([k]) => k !== 'ok')
      .map(([k, v]) => `${k}:${v}`)
      .join(',');
    return {
      engine,
      n,
      ...m,
      lateP50Ms: res.lateP50Ms as number,
      lateP99Ms: res.lateP99Ms as number,
      skippedPerS: (res.skippedTotal as number) / (warmupS + windowS),
      errors,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited(child);
  }
}

/** Backend killed -> DOWN event latency, with retry = fall - 1 and delay_before_retry = interval. */
async function detection(runs: number, intervalMs: number, fall: number): Promise<void> {
  const backendCode = `const s=require('node:http').createServer((q,r)=>r.end('ok'));s.listen(0,'127.0.0.1',()=>process.stdout.write(String(s.address().port)+'\\n'));`;
  const lat: number[] = [];
  for (let run = 0; run < runs; run++) {
    const be = spawn(process.execPath, ['-e', backendCode], { stdio: ['ignore', 'pipe', 'ignore'] });
    const port = await new Promise<number>((resolve) => be.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
    const sched = new Scheduler();
    let killedAt = 0;
    let resolveDown: (t: number) => void = () => {};
    const down = new Promise<number>((r) => (resolveDown = r));
    const mon = new CheckerMonitor({
      id: 'd',
      kind: 'HTTP',
      service: fmtTrio('127.0.0.1', port),
      retry: fall - 1,
      delayBeforeRetryMs: intervalMs,
      intervalMs,
      firstDelayMs: 0,
      probe: compileHttpCheck({ host: '127.0.0.1', port }, { urls: [{ path: '/' }], timeoutMs: 1000 }),
      onChange: (up) => {
        if (!up) resolveDown(performance.now());
      },
    });
    sched.add(mon.job());
    // kill at a random phase of the interval, after the first success
    await sleep(intervalMs * 1.5 + Math.random() * intervalMs);
    killedAt = performance.now();
    be.kill('SIGKILL');
    const t = await Promise.race([down, sleep(intervalMs * (fall + 3)).then(() => NaN)]);
    lat.push(t - killedAt);
    await sched.stop();
    await exited(be);
  }
  const ok = lat.filter((x) => !Number.isNaN(x));
  console.log(
    `\nDetection latency (HTTP_GET, interval ${intervalMs} ms, fall ${fall} = retry ${fall - 1} x delay_before_retry ${intervalMs} ms): ` +
      `median ${fmt(pct(ok, 50))} ms, min ${fmt(Math.min(...ok))} ms, max ${fmt(Math.max(...ok))} ms over ${ok.length}/${runs} runs; ` +
      `fall x interval = ${fall * intervalMs} ms (expected between ${(fall - 1) * intervalMs} and ${fall * intervalMs} ms); load1 ${loadavg()[0].toFixed(2)}`,
  );
}

if (import.meta.main) {
  const a = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  await benchChecks({
    rates: a('rates')?.split(',').filter(Boolean).map(Number),
    warmupS: a('warmup-s') ? Number(a('warmup-s')) : undefined,
    windowS: a('window-s') ? Number(a('window-s')) : undefined,
    engines: a('engines')?.split(',') as BenchChecksOptions['engines'],
    detectRuns: a('detect-runs') ? Number(a('detect-runs')) : undefined,
    detectIntervalMs: a('detect-interval-ms') ? Number(a('detect-interval-ms')) : undefined,
    repeat: a('repeat') ? Number(a('repeat')) : undefined,
    coalesceMs: a('coalesce-ms') ? Number(a('coalesce-ms')) : undefined,
  });
}
