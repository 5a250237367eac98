// A namespace lab for the netns tier: a bridge in its own namespace and hosts (routers, clients)
// each in a namespace with one `eth0` veth port on that bridge. Nothing touches the host's own
// interfaces. Every name starts with the lab's prefix (`kats` + a short id) so test files never
// collide; close() kills every process the lab started (by process group) or that still runs in
// its namespaces, and deletes the namespaces, whatever happened before.
//
// Daemons run as `ip netns exec NS node src/cli/bin.js -f CONF -n -l -D -p PID --log-format
// keepalived` in their own process group (`kill -9 -- -PGID` is a crash of the whole daemon).

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { StatusSnapshot } from '../../src/obs/collect.ts';
import { NetnsLab, ip as nsIp } from './netns.ts';

const root = join(import.meta.dirname, '..', '..');
export const BIN = join(root, 'src', 'cli', 'bin.js');

export function sh(cmd: string, args: string[], opts: { allowFail?: boolean; input?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, timeout: 20_000 });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.error?.message}`);
  return r.stdout ?? '';
}

export function ip(...args: string[]): string {
  return sh('ip', args);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `pred` every `stepMs` until it is true or `timeoutMs` passed; returns the last value. */
export async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return true;
    if (Date.now() >= end) return false;
    await sleep(stepMs);
  }
}

export interface HostSpec {
  name: string;
  /** IPv4 address on eth0 (/24). */
  ip4: string;
  /** Optional global IPv6 address on eth0 (/64). */
  ip6?: string;
}

export interface Host extends HostSpec {
  ns: string;
  mac: string;
}

export class Daemon {
  readonly host: Host;
  readonly proc: ChildProcess;
  readonly lines: string[] = [];
  readonly pidFile: string;
  readonly conf: string;
  exited = false;
  exitCode: number | null = null;
  #waiters: (() => void)[] = [];

  constructor(host: Host, proc: ChildProcess, pidFile: string, conf: string) {
    this.host = host;
    this.proc = proc;
    this.pidFile = pidFile;
    this.conf = conf;
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        this.lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      for (const w of this.#waiters.splice(0)) w();
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.on('exit', (code) => {
      this.exited = true;
      this.exitCode = code;
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Log lines matching `re` so far. */
  matching(re: RegExp): string[] {
    return this.lines.filter((l) => re.test(l));
  }

  count(re: RegExp): number {
    return this.matching(re).length;
  }

  /** Waits until at least `n` lines match (bounded). */
  async waitLine(re: RegExp, timeoutMs: number, n = 1): Promise<boolean> {
    return waitFor(() => this.count(re) >= n, timeoutMs);
  }

  signal(sig: NodeJS.Signals): void {
    try {
      process.kill(this.pid, sig);
    } catch {
      // gone
    }
  }

  /** kill -9 of the whole process group (the daemon and anything it started). */
  crash(): void {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }

  async waitExit(timeoutMs: number): Promise<boolean> {
    return waitFor(() => this.exited, timeoutMs);
  }

  dump(): string {
    return `--- ${this.host.name} log ---\n${this.lines.join('\n')}`;
  }
}

/** A keepalived process started by Lab.startKeepalived, with its log lines. */
/** keepalived, tshark and tcpdump are installed (the interop tests need all three). */
export const haveKeepalivedTools = spawnSync('sh', ['-c', 'command -v keepalived && command -v tshark && command -v tcpdump'], { stdio: 'ignore' }).status === 0;
/** keepalived's complaints about a received packet (keepalived.md §3.1 "packet errors", 2.2.7 wording too). */
export const KEEPALIVED_PACKET_ERRORS = /invalid passwd|advertisement interval mismatch|not present in|expected \d+ VIPs|invalid TTL|wrong VRRP version|bogus|checksum|Invalid|ignoring received/i;

export class Keepalived {
  readonly proc: ChildProcess;
  readonly lines: string[] = [];
  exited = false;

  constructor(proc: ChildProcess) {
    this.proc = proc;
    const on = (d: Buffer) => this.lines.push(...d.toString('utf8').split('\n').filter(Boolean));
    proc.stdout?.on('data', on);
    proc.stderr?.on('data', on);
    proc.on('exit', () => (this.exited = true));
  }

  count(re: RegExp): number {
    return this.lines.filter((l) => re.test(l)).length;
  }

  waitLine(re: RegExp, timeoutMs: number, n = 1): Promise<boolean> {
    return waitFor(() => this.count(re) >= n, timeoutMs);
  }

  /** SIGTERM (keepalived's graceful stop: priority 0, VIPs released), bounded; then kill -9 of its group. */
  async stop(timeoutMs = 5000): Promise<void> {
    const pid = this.proc.pid;
    try {
      if (!this.exited && pid) process.kill(pid, 'SIGTERM');
    } catch {
      // exited meanwhile
    }
    if (!(await waitFor(() => this.exited, timeoutMs)) && pid) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }

  dump(): string {
    return `--- keepalived log ---\n${this.lines.join('\n')}`;
  }
}

export class Lab {
  readonly prefix: string;
  readonly brNs: string;
  readonly hosts = new Map<string, Host>();
  readonly dir: string;
  readonly daemons: Daemon[] = [];
  readonly procs: ChildProcess[] = [];
  /** keepalived runs started by startKeepalived, in order. */
  readonly keepaliveds: Keepalived[] = [];

  constructor(prefix: string) {
    if (!/^kats[a-z0-9]{1,6}$/.test(prefix)) throw new Error(`lab prefix must be kats + 1..6 [a-z0-9], got ${prefix}`);
    this.prefix = prefix;
    this.brNs = `${prefix}-br`;
    this.dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  }

  /** Creates the bridge and the hosts. `ipv6: false` (default) keeps IPv6 off on the hosts' eth0. */
  setup(hosts: HostSpec[], opts: { ipv6?: boolean } = {}): void {
    this.close(); // leftovers of an aborted earlier run with the same prefix
    ip('netns', 'add', this.brNs);
    ip('-n', this.brNs, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0');
    ip('-n', this.brNs, 'link', 'set', 'br0', 'up');
    hosts.forEach((h, i) => this.addHost(h, i + 1, opts.ipv6 ?? false));
  }

  addHost(h: HostSpec, n: number, ipv6: boolean): Host {
    const ns = `${this.prefix}-${h.name}`;
    const port = this.portName(h.name);
    const mac = `02:99:00:00:00:${n.toString(16).padStart(2, '0')}`;
    ip('netns', 'add', ns);
    const sysctl = (k: string, v: string) => sh('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `${k}=${v}`], { allowFail: true });
    ip('-n', this.brNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('-n', this.brNs, 'link', 'set', port, 'master', 'br0', 'up');
    if (ipv6) {
      sysctl('net.ipv6.conf.all.accept_dad', '0');
      sysctl('net.ipv6.conf.default.accept_dad', '0');
      sysctl('net.ipv6.conf.eth0.accept_dad', '0');
    } else {
      sysctl('net.ipv6.conf.eth0.disable_ipv6', '1');
    }
    ip('-n', ns, 'link', 'set', 'eth0', 'address', mac);
    ip('-n', ns, 'addr', 'add', `${h.ip4}/24`, 'dev', 'eth0');
    if (ipv6 && h.ip6) ip('-n', ns, 'addr', 'add', `${h.ip6}/64`, 'dev', 'eth0', 'nodad');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    const host: Host = { ...h, ns, mac };
    this.hosts.set(h.name, host);
    return host;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** Writes a config file for `host` and starts a daemon on it. */
  start(hostName: string, conf: string, extraArgs: string[] = [], env: Record<string, string> = {}): Daemon {
    const host = this.host(hostName);
    const file = join(this.dir, `${hostName}-${this.daemons.length}.conf`);
    writeFileSync(file, conf);
    const pidFile = join(this.dir, `${hostName}.pid`);
    // A private control socket per daemon unless the test names one: daemons in different
    // namespaces share the host's file system, and a test must never reach another's daemon.
    const ctl = extraArgs.includes('--control-socket') ? [] : ['--control-socket', join(this.dir, `${hostName}.ctl.sock`)];
    const proc = spawn('ip', ['netns', 'exec', host.ns, process.execPath, BIN, '-f', file, '-n', '-l', '-D', '-p', pidFile, '--log-format', 'keepalived', ...ctl, ...extraArgs], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const d = new Daemon(host, proc, pidFile, file);
    this.daemons.push(d);
    return d;
  }

  /** Spawns a helper process (tcpdump, keepalived ...) in `hostName`'s namespace, in its own group. */
  spawnIn(hostName: string, cmd: string, args: string[]): ChildProcess {
    const p = spawn('ip', ['netns', 'exec', this.host(hostName).ns, cmd, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.procs.push(p);
    return p;
  }

  /**
   * Runs keepalived itself (the reference peer of the interop tests) on `hostName` with `confText`:
   * `keepalived -n -l -D -G --vrrp` with this lab's private pid files (one keepalived at a time:
   * keepalived refuses a second while the first runs, as it would on a real host).
   */
  startKeepalived(hostName: string, confText: string): Keepalived {
    const file = join(this.dir, `ka-${this.keepaliveds.length}.conf`);
    writeFileSync(file, confText);
    const d = this.dir;
    const k = new Keepalived(this.spawnIn(hostName, 'keepalived', ['-n', '-l', '-D', '-G', '-f', file, '--vrrp', '-p', `${d}/ka.pid`, '-r', `${d}/ka-vrrp.pid`, '-c', `${d}/ka-chk.pid`]));
    this.keepaliveds.push(k);
    return k;
  }

  /** The addresses on `dev` of a host (iproute2 JSON). */
  addrs(hostName: string, dev = 'eth0'): { local: string; prefixlen: number; label?: string; scope?: string; broadcast?: string; family: string; protocol?: string }[] {
    const out = sh('ip', ['-n', this.host(hostName).ns, '-j', 'addr', 'show', 'dev', dev], { allowFail: true });
    try {
      const j = JSON.parse(out || '[]') as { addr_info?: { local: string; prefixlen: number; label?: string; scope?: string; broadcast?: string; family: string; protocol?: string }[] }[];
      return j.flatMap((x) => x.addr_info ?? []);
    } catch {
      return [];
    }
  }

  hasVip(hostName: string, vip: string, dev = 'eth0'): boolean {
    return this.addrs(hostName, dev).some((a) => a.local === vip);
  }

  /** Hosts (of `names`) that hold `vip` now. */
  holders(vip: string, names: string[]): string[] {
    return names.filter((n) => this.hasVip(n, vip));
  }

  /**
   * Exactly `names` hold `vip` among `among` (default: every host of the lab; a client runs no
   * daemon and never holds one). The predicate most waits of the VRRP tests poll.
   */
  holdersAre(vip: string, names: string[], among: string[] = [...this.hosts.keys()]): boolean {
    const h = this.holders(vip, among);
    return h.length === names.length && names.every((n) => h.includes(n));
  }

  /** Every daemon's log started in this lab, for assertion messages. */
  dumpAll(): string {
    return this.daemons.map((d) => d.dump()).join('\n');
  }

  /** Runs the keepalived-ts CLI (`status`, `ctl ...`, `ipvs ...`) inside `hostName`'s namespace. */
  cli(hostName: string, ...args: string[]): { code: number | null; out: string; err: string } {
    const r = spawnSync('ip', ['netns', 'exec', this.host(hostName).ns, process.execPath, BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  /** `status --json` of the daemon behind `socket`, asked from `hostName`'s namespace. */
  status(hostName: string, socket: string): StatusSnapshot {
    const r = this.cli(hostName, 'status', '--json', '--socket', socket);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as StatusSnapshot;
  }

  /** The --metrics page served on 127.0.0.1:`port` in `hostName`'s namespace. */
  metrics(hostName: string, port: number): string {
    const r = spawnSync('ip', ['netns', 'exec', this.host(hostName).ns, process.execPath, '-e', `fetch('http://127.0.0.1:${port}/metrics').then(r=>r.text()).then(t=>process.stdout.write(t),e=>{console.error(e.message);process.exit(1)})`], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  }

  /** The client's neighbour entry for `addr`: MAC and state. */
  neigh(hostName: string, addr: string): { lladdr?: string; state?: string[] } | undefined {
    const out = sh('ip', ['-n', this.host(hostName).ns, '-j', 'neigh', 'show', addr], { allowFail: true });
    try {
      const j = JSON.parse(out || '[]') as { dst: string; lladdr?: string; state?: string[] }[];
      return j.find((e) => e.dst === addr);
    } catch {
      return undefined;
    }
  }

  ping(hostName: string, addr: string, count = 1, waitS = 1): boolean {
    const r = spawnSync('ip', ['netns', 'exec', this.host(hostName).ns, 'ping', '-n', '-q', '-c', String(count), '-W', String(waitS), '-i', '0.2', addr], { encoding: 'utf8', timeout: 20_000 });
    return r.status === 0;
  }

  /**
   * Partitions a host: its port leaves the bridge (and comes back) while every link keeps its
   * carrier, so the host sees no fault, only silence.
   */
  portSet(hostName: string, attached: boolean): void {
    if (attached) ip('-n', this.brNs, 'link', 'set', this.portName(hostName), 'master', 'br0');
    else ip('-n', this.brNs, 'link', 'set', this.portName(hostName), 'nomaster');
  }

  portName(hostName: string): string {
    return `p${this.prefix.slice(4)}${hostName}`.slice(0, 15);
  }

  linkSet(hostName: string, up: boolean, dev = 'eth0'): void {
    ip('-n', this.host(hostName).ns, 'link', 'set', dev, up ? 'up' : 'down');
  }

  /** Stops every daemon gracefully (SIGTERM), bounded; crashes the ones that do not exit. */
  async stopAll(timeoutMs = 8000): Promise<void> {
    for (const d of this.daemons) if (!d.exited) d.signal('SIGTERM');
    await waitFor(() => this.daemons.every((d) => d.exited), timeoutMs);
    for (const d of this.daemons) if (!d.exited) d.crash();
  }

  /** Kills everything started here and deletes the namespaces. Safe to call twice. */
  close(): void {
    for (const d of this.daemons) if (!d.exited) d.crash();
    for (const p of this.procs) {
      try {
        if (p.pid && p.exitCode === null) process.kill(-p.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    const names = [...this.hosts.values()].map((h) => h.ns);
    const listed = sh('ip', ['netns', 'list'], { allowFail: true })
      .split('\n')
      .map((l) => l.split(' ')[0])
      .filter((n) => n === this.brNs || n.startsWith(`${this.prefix}-`));
    for (const ns of new Set([...names, ...listed])) {
      for (const pid of sh('ip', ['netns', 'pids', ns], { allowFail: true }).split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // gone
        }
      }
      sh('ip', ['netns', 'del', ns], { allowFail: true });
    }
    this.hosts.clear();
  }

  /** Removes the scratch directory (after close). */
  cleanupDir(): void {
    if (existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }

  readPid(d: Daemon): number | undefined {
    try {
      return Number(readFileSync(d.pidFile, 'utf8').trim());
    } catch {
      return undefined;
    }
  }
}

// The hosts most suites use, on 10.99.0.0/24 (and 2001:db8:99::/64 with IPv6 on).
export const R1: HostSpec = { name: 'r1', ip4: '10.99.0.1', ip6: '2001:db8:99::1' };
export const R2: HostSpec = { name: 'r2', ip4: '10.99.0.2', ip6: '2001:db8:99::2' };
export const R3: HostSpec = { name: 'r3', ip4: '10.99.0.3', ip6: '2001:db8:99::3' };
export const CLIENT: HostSpec = { name: 'c', ip4: '10.99.0.9', ip6: '2001:db8:99::9' };
/** The usual lab: two routers r1 / r2 and a client c. */
export const ROUTERS_AND_CLIENT: HostSpec[] = [R1, R2, CLIENT];

export interface LabSuiteOptions {
  /** IPv6 on the hosts' eth0 (Lab.setup). */
  ipv6?: boolean;
  /** Bound of the graceful stop of the daemons at the end (ms). */
  stopMs?: number;
  /** Runs after the daemons (and keepalived runs) stopped, before the namespaces go. */
  beforeClose?: () => void | Promise<void>;
}

/**
 * Registers the hooks every netns suite needs, in the calling describe(): the lab's hosts are made
 * before its tests; after them the daemons, then the keepalived runs, are stopped gracefully
 * (bounded), everything else the lab started is killed and the namespaces and scratch directory
 * are removed (even when a test or `beforeClose` failed). Takes a Lab (when module-level helpers
 * use it) or its prefix; returns the Lab.
 */
export function labSuite(labOrPrefix: Lab | string, hosts: HostSpec[], opts: LabSuiteOptions = {}): Lab {
  const lab = typeof labOrPrefix === 'string' ? new Lab(labOrPrefix) : labOrPrefix;
  before(() => lab.setup(hosts, { ipv6: opts.ipv6 ?? false }));
  after(async () => {
    try {
      await lab.stopAll(opts.stopMs ?? 3000);
      for (const k of lab.keepaliveds) await k.stop();
      await opts.beforeClose?.();
    } finally {
      lab.close();
      lab.cleanupDir();
    }
  });
  return lab;
}

/**
 * A notify FIFO (vrrp_notify_fifo) the test reads: made with mkfifo and held open read-write and
 * non-blocking, so the daemon's open for writing never waits and a read never blocks the test.
 */
export class NotifyFifo {
  readonly path: string;
  /** Everything read so far. */
  text = '';
  #fd: number | undefined;

  constructor(path: string) {
    this.path = path;
    sh('mkfifo', [path]);
    this.#fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  }

  /** Appends what the FIFO holds now to `text` and returns all of it. */
  read(): string {
    if (this.#fd === undefined) return this.text;
    const buf = Buffer.alloc(4096);
    for (;;) {
      let n = 0;
      try {
        n = readSync(this.#fd, buf, 0, buf.length, null);
      } catch {
        break; // EAGAIN: nothing more now
      }
      if (n <= 0) break;
      this.text += buf.subarray(0, n).toString('utf8');
    }
    return this.text;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** Two namespaces a and b joined by one veth pair, 192.0.2.1/24 on a's end, 192.0.2.2/24 on b's. */
export interface VethPair {
  lab: NetnsLab;
  nsA: string;
  nsB: string;
  devA: string;
  devB: string;
  idxA: number;
  idxB: number;
}

/**
 * Registers in the calling describe() the hooks of the socket-level suites (test/lib/netns.ts):
 * the pair is made before the tests (the returned object is filled in then); after them every
 * socket in `closers` is closed and the namespaces deleted, even when a close throws.
 */
export function vethPairSuite(tag: string, closers: { close(): void }[]): VethPair {
  const v: VethPair = { lab: new NetnsLab(tag), nsA: '', nsB: '', devA: '', devB: '', idxA: 0, idxB: 0 };
  before(() => {
    v.nsA = v.lab.ns('a');
    v.nsB = v.lab.ns('b');
    v.devA = v.lab.ifname('a');
    v.devB = v.lab.ifname('b');
    v.lab.veth(v.nsA, v.devA, v.nsB, v.devB);
    v.idxA = v.lab.ifindex(v.nsA, v.devA);
    v.idxB = v.lab.ifindex(v.nsB, v.devB);
    nsIp(v.nsA, 'addr', 'add', '192.0.2.1/24', 'dev', v.devA);
    nsIp(v.nsB, 'addr', 'add', '192.0.2.2/24', 'dev', v.devB);
  });
  after(() => {
    try {
      for (const c of closers) c.close();
    } finally {
      v.lab.cleanup();
    }
  });
  return v;
}

/** A keepalived.conf with one VRRP instance; the common knobs as parameters. */
export interface InstanceConf {
  name?: string;
  vrid?: number;
  priority: number;
  advert?: string;
  version?: 2 | 3;
  vips?: string[];
  state?: 'MASTER' | 'BACKUP';
  iface?: string;
  extra?: string[];
}

export function instanceBlock(c: InstanceConf): string {
  const lines = [
    `vrrp_instance ${c.name ?? 'VI_1'} {`,
    `  state ${c.state ?? 'BACKUP'}`,
    `  interface ${c.iface ?? 'eth0'}`,
    `  virtual_router_id ${c.vrid ?? 51}`,
    `  priority ${c.priority}`,
    `  advert_int ${c.advert ?? '0.1'}`,
    `  version ${c.version ?? 3}`,
    ...(c.extra ?? []).map((l) => `  ${l}`),
    `  virtual_ipaddress {`,
    ...(c.vips ?? ['10.99.0.100/32']).map((v) => `    ${v}`),
    `  }`,
    `}`,
  ];
  return lines.join('\n') + '\n';
}

export function conf(...blocks: string[]): string {
  return ['global_defs {', '  router_id kats', '}', ...blocks].join('\n') + '\n';
}

/** master_down_interval in ms for a v3 advert interval (s) and priority (RFC 5798 §6.1). */
export function mdiMs(advertS: number, prio: number, version: 2 | 3 = 3): number {
  const skew = version === 3 ? ((256 - prio) * advertS * 1000) / 256 : ((256 - prio) * 1000) / 256;
  return 3 * advertS * 1000 + skew;
}
