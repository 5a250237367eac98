// `npm run lab`: two keepalived-ts directors and a client in network namespaces on this machine,
// with a live view of who is master, each node's priority and the client's success rate, and keys
// to break things: [k] kill the master (link down + kill -9: a dead host), [f] flap its link,
// [c] fail/unfail its health check, [g] graceful handover (SIGTERM), [r] restore everything,
// [q] quit. Ctrl-C or q removes every namespace, process and file the lab made.
//
// Non-interactive (CI, scripts): `npm run lab -- --actions wait:3,kill-master,wait:3,restore,wait:3,quit`.
// Options: --prefix P (namespace prefix, default kl), --actions LIST, --max-seconds N (hard bound).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createLab, hasAddress, type Lab } from './topology.ts';
import { RunningDaemon, oursDaemon } from './daemon.ts';
import { controlRequest } from '../../src/obs/control.ts';

const here = import.meta.dirname;
const repoNode = join(here, '..', '..', 'node_modules', '.bin', 'node');

interface Args {
  prefix: string;
  actions?: string[];
  maxSeconds: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { prefix: 'kl', maxSeconds: 3600 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--prefix') a.prefix = argv[++i];
    else if (argv[i] === '--actions') a.actions = argv[++i].split(',');
    else if (argv[i] === '--max-seconds') a.maxSeconds = Number(argv[++i]);
  }
  return a;
}

interface Director {
  name: string;
  ns: string;
  priority: number;
  conf: string;
  runDir: string;
  daemon: RunningDaemon | null;
  web: ChildProcess | null;
  linkDown: boolean;
  /** The daemon's own status (control socket), refreshed every status line. */
  view: { state: string; base: number; effective: number } | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LabSession {
  readonly lab: Lab;
  readonly work: string;
  readonly directors: Director[] = [];
  private client: ChildProcess | null = null;
  private results: { t: number; ok: boolean; by: string | null }[] = [];
  private master: string | null = null;
  private lastChange = Date.now();
  /** The previous tick saw both directors holding the VIP (see tick()). */
  private bothSeen = false;
  private readonly start = Date.now();
  private readonly out: (line: string) => void;
  private faultAt: number | null = null;
  private closed = false;

  constructor(prefix: string, out: (line: string) => void) {
    this.out = out;
    this.work = `/run/kats-lab-${prefix}`;
    rmSync(this.work, { recursive: true, force: true });
    mkdirSync(this.work, { recursive: true });
    this.lab = createLab(prefix, ['d1', 'd2', 'c1']);
    const tmpl = readFileSync(join(here, 'director.conf.tmpl'), 'utf8');
    for (const [name, priority] of [
      ['d1', 150],
      ['d2', 100],
    ] as const) {
      const conf = join(this.work, `${name}.conf`);
      writeFileSync(conf, tmpl.replaceAll('@NAME@', name).replaceAll('@PRIO@', String(priority)).replaceAll('/run/kats-lab/', `${this.work}/`));
      this.directors.push({ name, ns: this.lab.hosts.get(name)!.ns, priority, conf, runDir: join(this.work, `run-${name}`), daemon: null, web: null, linkDown: false, view: null });
    }
  }

  private t(): string {
    return `${((Date.now() - this.start) / 1000).toFixed(1).padStart(6)}s`;
  }

  log(msg: string): void {
    this.out(`[${this.t()}] ${msg}`);
  }

  startDirector(d: Director): void {
    if (!d.web) d.web = spawn('ip', ['netns', 'exec', d.ns, repoNode, join(here, 'web.ts'), d.name, '80'], { stdio: 'ignore' });
    if (!d.daemon || !d.daemon.alive) {
      d.daemon = new RunningDaemon(oursDaemon, d.ns, d.conf, d.runDir);
      this.log(`${d.name}: keepalived-ts pid ${d.daemon.pid}, web pid ${d.web.pid ?? '-'}, control socket ${join(d.runDir, 'ctl.sock')}`);
    }
  }

  startAll(): void {
    for (const d of this.directors) this.startDirector(d);
    const c1 = this.lab.hosts.get('c1')!;
    this.client = spawn('ip', ['netns', 'exec', c1.ns, repoNode, join(here, 'client.ts'), this.lab.vip, '100'], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.log(`c1: client pid ${this.client.pid ?? '-'} requesting http://${this.lab.vip}/ every 100 ms`);
    createInterface({ input: this.client.stdout! }).on('line', (line) => {
      try {
        this.results.push(JSON.parse(line));
        if (this.results.length > 100_000) this.results.splice(0, 50_000);
      } catch {
        // ignore partial lines
      }
    });
  }

  /**
   * Who holds the VIP now (null: nobody; 'd1+d2': both, which must never last). A director whose
   * link is down is off the network: a killed host may still have the address configured, but it
   * holds nothing anyone can reach, so it does not count.
   */
  holder(): string | null {
    const h = this.directors.filter((d) => !d.linkDown && hasAddress(d.ns, this.lab.vip)).map((d) => d.name);
    return h.length ? h.join('+') : null;
  }

  rate(windowMs: number): string {
    const since = Date.now() - windowMs;
    const w = this.results.filter((r) => r.t >= since);
    if (w.length === 0) return '  -  ';
    return `${((100 * w.filter((r) => r.ok).length) / w.length).toFixed(1).padStart(5)}%`;
  }

  /** Called periodically: reports master changes and a status line. */
  tick(statusLine: boolean): void {
    const h = this.holder();
    // Both directors hold the VIP for a moment in every preempt-back: the yielding master keeps it
    // until the new master's GARP is on the wire (make-before-break, 200 ms at most). Two masters
    // is both in two ticks in a row (250 ms apart); a single tick with both reports nothing yet.
    const both = h !== null && h.includes('+');
    const firstBoth = both && !this.bothSeen;
    this.bothSeen = both;
    if (!firstBoth && h !== this.master) {
      const took = this.faultAt ? ` (${((Date.now() - this.faultAt) / 1000).toFixed(2)} s after the fault)` : '';
      this.log(h ? `MASTER is now ${h}${this.master ? ` (was ${this.master})` : ''}${took}` : `nobody holds the VIP ${this.lab.vip}`);
      if (h && this.faultAt && !h.includes('+')) this.log(`takeover: ${h} took over${took}`);
      this.master = h;
      this.lastChange = Date.now();
    }
    if (!statusLine) return;
    // Each daemon's own view (state, effective priority) over its control socket (bounded: 500 ms);
    // the lab's own guess when a daemon does not answer.
    void Promise.all(this.directors.map((d) => this.refreshView(d))).then(() => this.statusLine(h));
  }

  private statusLine(h: string | null): void {
    if (this.closed) return;
    const nodes = this.directors
      .map((d) => {
        const v = d.daemon?.alive ? d.view : null;
        const state = !d.daemon?.alive ? 'down  ' : v ? v.state.padEnd(6) : d.name === h ? 'MASTER' : 'backup';
        const prio = v ? (v.effective === v.base ? `prio ${v.base}` : `prio ${v.effective} (base ${v.base})`) : `prio ${d.priority}`;
        const failing = existsSync(join(this.work, `${d.name}.fail`)) ? ' check failing' : '';
        return `${d.name}: ${state} ${prio}${failing}${d.linkDown ? ' link down' : ''}`;
      })
      .join(' | ');
    const last = this.results.at(-1);
    this.log(`master=${h ?? '-'} | ${nodes} | client ok ${this.rate(1000)} last 1s, ${this.rate(60_000)} last 60s${last?.by ? `, answered by ${last.by}` : ''}`);
  }

  private async refreshView(d: Director): Promise<void> {
    if (!d.daemon?.alive) {
      d.view = null;
      return;
    }
    const r = await controlRequest(join(d.runDir, 'ctl.sock'), { cmd: 'status' }, 500);
    const i = r.ok ? (r.data as { instances?: { state: string; basePriority: number; effectivePriority: number }[] }).instances?.[0] : undefined;
    d.view = i ? { state: i.state, base: i.basePriority, effective: i.effectivePriority } : null;
  }

  masterDirector(): Director | undefined {
    return this.directors.find((d) => d.name === this.holder());
  }

  async act(action: string): Promise<boolean> {
    const m = this.masterDirector();
    switch (action) {
      case 'k':
      case 'kill-master':
        if (!m) return this.log('no master to kill'), true;
        this.log(`killing ${m.name}: link down + kill -9 of the daemon (a dead host)`);
        this.faultAt = Date.now();
        spawnSync('ip', ['-n', m.ns, 'link', 'set', 'eth0', 'down']);
        m.linkDown = true;
        m.daemon?.crash();
        return true;
      case 'f':
      case 'flap':
        if (!m) return this.log('no master'), true;
        this.log(`flapping ${m.name}'s link for 2 s`);
        this.faultAt = Date.now();
        spawnSync('ip', ['-n', m.ns, 'link', 'set', 'eth0', 'down']);
        m.linkDown = true;
        setTimeout(() => {
          spawnSync('ip', ['-n', m.ns, 'link', 'set', 'eth0', 'up']);
          m.linkDown = false;
          this.log(`${m.name}'s link is up again`);
        }, 2000);
        return true;
      case 'c':
      case 'fail-check': {
        const target = m ?? this.directors[0];
        const f = join(this.work, `${target.name}.fail`);
        if (existsSync(f)) {
          rmSync(f);
          this.log(`${target.name}'s check passes again`);
        } else {
          writeFileSync(f, '');
          this.faultAt = Date.now();
          this.log(`${target.name}'s check now fails (priority ${target.priority} - 60)`);
        }
        return true;
      }
      case 'g':
      case 'handover':
        if (!m) return this.log('no master'), true;
        this.log(`graceful handover: SIGTERM to ${m.name}`);
        this.faultAt = Date.now();
        m.daemon?.terminate();
        return true;
      case 'r':
      case 'restore':
        for (const d of this.directors) {
          if (d.linkDown) {
            // A killed host comes back rebooted: its crashed run left the VIP configured, which a
            // reboot would have cleared, so clear it before the link is up (the daemon would
            // remove it on start too, but only after the link was up with a stale VIP).
            if (!d.daemon?.alive) spawnSync('ip', ['-n', d.ns, 'addr', 'del', `${this.lab.vip}/32`, 'dev', 'eth0'], { stdio: 'ignore' });
            spawnSync('ip', ['-n', d.ns, 'link', 'set', 'eth0', 'up']);
            d.linkDown = false;
          }
          rmSync(join(this.work, `${d.name}.fail`), { force: true });
          if (!d.daemon?.alive) this.log(`restarting ${d.name}`);
          this.startDirector(d);
        }
        this.faultAt = Date.now();
        return true;
      case 'q':
      case 'quit':
        return false;
      default:
        if (action.startsWith('wait:')) {
          await sleep(Number(action.slice(5)) * 1000);
          return true;
        }
        this.log(`unknown action '${action}' (k f c g r q, or kill-master flap fail-check handover restore quit wait:S)`);
        return true;
    }
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    this.client?.stdin?.end();
    this.client?.kill('SIGKILL');
    for (const d of this.directors) {
      d.daemon?.terminate();
    }
    await Promise.all(this.directors.map((d) => d.daemon?.waitExit(3000)));
    for (const d of this.directors) d.web?.kill('SIGKILL');
    // Wait (bounded) until every helper we started has been reaped, so nothing outlives the lab.
    const helpers = [this.client, ...this.directors.map((d) => d.web)].filter((c): c is ChildProcess => c !== null);
    const end = Date.now() + 3000;
    while (helpers.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < end) await sleep(20);
    this.lab.down();
    rmSync(this.work, { recursive: true, force: true });
    this.log('lab removed: namespaces, processes and files are gone');
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) {
    console.error('npm run lab needs root (it creates network namespaces)');
    process.exitCode = 2;
    return;
  }
  const s = new LabSession(args.prefix, (l) => console.log(l));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(ticker);
    clearTimeout(bound);
    await s.shutdown();
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  s.log(`lab: directors d1 (priority 150) and d2 (100), client c1, VIP ${s.lab.vip}, namespaces ${args.prefix}-*`);
  s.startAll();
  let n = 0;
  const ticker = setInterval(() => s.tick(++n % 4 === 0), 250);
  const bound = setTimeout(() => {
    s.log(`--max-seconds ${args.maxSeconds} reached`);
    void stop();
  }, args.maxSeconds * 1000);
  if (args.actions) {
    for (const a of args.actions) if (!(await s.act(a))) break;
    await stop();
    return;
  }
  if (process.stdin.isTTY) {
    s.log('keys: [k] kill master  [f] flap link  [c] fail check  [g] graceful handover  [r] restore  [q] quit');
    process.stdin.setRawMode(true);
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (key: string) => {
      if (key === '\u0003') return void stop();
      void s.act(key).then((go) => (go ? undefined : stop()));
    });
  } else {
    s.log('stdin is not a terminal: type commands (kill-master, flap, fail-check, handover, restore, quit), one per line');
    createInterface({ input: process.stdin }).on('line', (line) => void s.act(line.trim()).then((go) => (go ? undefined : stop())));
  }
}

if (import.meta.main) await main();
