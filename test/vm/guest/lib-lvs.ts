// Shared helpers of the LVS guest tests (director and self-balancing tier; run INSIDE the VM).
// Builds on the netns lab of the netns tier (test/lib/lab.ts: one bridge namespace, every host a
// namespace with eth0 on it) and adds what real IPVS traffic needs:
//  - the guest's ROOT namespace joins the bridge as the client (`client0`), so the test process
//    itself sends the HTTP requests (no process start per request: a Node or wget start costs a
//    lot under TCG);
//  - busybox httpd web servers answering their own name;
//  - `ipvsadm -Ln` of a host, parsed into services and real servers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { BIN, Daemon, Lab, sh, waitFor } from '../../lib/lab.ts';

export { Lab, sh, waitFor };
export { conf, instanceBlock, sleep, Daemon } from '../../lib/lab.ts';

export const inVm = process.env.KATS_IN_VM === '1';

// Every daemon this file starts is a Node process, and under TCG a Node start costs seconds of
// the one emulated CPU: share V8's compile cache (type-stripped sources included) between them.
process.env.NODE_COMPILE_CACHE ??= '/tmp/kats-node-cache';

/** The lab plus a root-namespace client and web servers. */
export class LvsLab extends Lab {
  readonly webs = new Map<string, ChildProcess>();
  private clientDev: string | null = null;

  /** Puts the test process (root namespace) on the bridge as a client with `addr/24`. */
  addRootClient(addr: string, extraRoutes: string[] = []): string {
    const dev = `c${this.prefix.slice(4)}`.slice(0, 15);
    const port = `${dev}p`;
    sh('ip', ['link', 'del', dev], { allowFail: true });
    sh('ip', ['link', 'add', dev, 'type', 'veth', 'peer', 'name', port, 'netns', this.brNs]);
    sh('ip', ['-n', this.brNs, 'link', 'set', port, 'master', 'br0', 'up']);
    sh('ip', ['addr', 'add', `${addr}/24`, 'dev', dev]);
    sh('ip', ['link', 'set', dev, 'up']);
    for (const r of extraRoutes) sh('ip', ['route', 'add', r, 'dev', dev]);
    this.clientDev = dev;
    return dev;
  }

  /** Runs a shell command in a host's namespace (busybox sh: call /sbin/ip, not `ip`). */
  nsh(host: string, cmd: string, allowFail = false): string {
    return sh('ip', ['netns', 'exec', this.host(host).ns, 'sh', '-c', cmd], { allowFail });
  }

  sysctl(host: string, kv: Record<string, string | number>): void {
    for (const [k, v] of Object.entries(kv)) sh('ip', ['netns', 'exec', this.host(host).ns, 'sysctl', '-q', '-w', `${k}=${v}`], { allowFail: true });
  }

  /** A DR real server: the VIP on lo and the ARP sysctls that keep it quiet about it. */
  drRealServer(host: string, vip: string): void {
    this.sysctl(host, { 'net.ipv4.conf.all.arp_ignore': 1, 'net.ipv4.conf.all.arp_announce': 2, 'net.ipv4.conf.eth0.arp_ignore': 1, 'net.ipv4.conf.eth0.arp_announce': 2 });
    sh('ip', ['-n', this.host(host).ns, 'addr', 'add', `${vip}/32`, 'dev', 'lo', 'scope', 'host']);
  }

  /** busybox httpd on `port` answering `name` (its own process group, killed by close()). */
  startWeb(host: string, name = host, port = 80): void {
    const dir = join(this.dir, `www-${host}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), `${name}\n`);
    const p = spawn('ip', ['netns', 'exec', this.host(host).ns, 'httpd', '-f', '-p', String(port), '-h', dir], { detached: true, stdio: 'ignore' });
    this.procs.push(p);
    this.webs.set(host, p);
  }

  stopWeb(host: string): void {
    const p = this.webs.get(host);
    if (!p?.pid) return;
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      // gone
    }
    this.webs.delete(host);
  }

  /**
   * Starts our daemon on `host` after `prelude` ran in a shell in the daemon's own mount
   * namespace (`ip netns exec` gives every process its own, with mounts that do not propagate
   * back): e.g. bind-mounting a per-node file over a path that node's hook scripts write, as each
   * real node has its own /tmp.
   */
  startWith(hostName: string, confText: string, prelude: string): Daemon {
    const host = this.host(hostName);
    const file = join(this.dir, `${hostName}-${this.daemons.length}.conf`);
    writeFileSync(file, confText);
    const pidFile = join(this.dir, `${hostName}.pid`);
    const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    const argv = [process.execPath, BIN, '-f', file, '-n', '-l', '-D', '-p', pidFile, '--log-format', 'keepalived', '--control-socket', join(this.dir, `${hostName}.ctl.sock`)];
    const proc = spawn('ip', ['netns', 'exec', host.ns, 'sh', '-c', `${prelude}\nexec ${argv.map(q).join(' ')}`], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const d = new Daemon(host, proc, pidFile, file);
    this.daemons.push(d);
    return d;
  }

  /** Runs `cmd` (argv) in the mount and network namespaces of a running daemon (its hooks' view). */
  inDaemonNs(d: Daemon, cmd: string[]): { status: number | null; out: string } {
    const r = spawnSync('nsenter', ['-t', String(d.pid), '-m', '-n', ...cmd], { encoding: 'utf8', timeout: 20_000 });
    return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  }

  ipvsadm(host: string, ...args: string[]): string {
    return sh('ip', ['netns', 'exec', this.host(host).ns, 'ipvsadm', ...args], { allowFail: true });
  }

  /** `ipvsadm -Ln` of a host as { "TCP 10.99.0.100:80": ["10.98.0.21:80 Route 1", ...] }. */
  table(host: string): Map<string, string[]> {
    return parseIpvsadm(this.ipvsadm(host, '-Ln'));
  }

  override close(): void {
    super.close();
    if (this.clientDev) sh('ip', ['link', 'del', this.clientDev], { allowFail: true });
    this.clientDev = null;
  }
}

/** The VRRP state a node's daemon logged last: DEAD when it is not running, INIT before any. */
export function vrrpState(d: Daemon | undefined): string {
  if (!d || d.exited) return 'DEAD';
  return d.matching(/Entering (MASTER|BACKUP|FAULT) STATE/).at(-1)?.match(/Entering (\w+)/)?.[1] ?? 'INIT';
}

/** The VIP sits on `lo` with host scope (the self-balancing BACKUP layout). */
export function vipOnLo(lab: Lab, node: string, vip: string): boolean {
  return lab.addrs(node, 'lo').some((a) => a.local === vip && a.scope === 'host');
}

export function parseIpvsadm(out: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  let cur: string[] | null = null;
  for (const line of out.split('\n')) {
    const s = /^(TCP|UDP|SCTP|FWM)\s+(\S+)\s+(\S+)/.exec(line);
    if (s) {
      cur = [];
      m.set(`${s[1]} ${s[2]}`, cur);
      continue;
    }
    const d = /^\s+->\s+(\S+)\s+(\S+)\s+(\d+)/.exec(line);
    if (d && cur) cur.push(`${d[1]} ${d[2]} ${d[3]}`);
  }
  return m;
}

/** Real-server addresses (ip:port) of one service, with their weights, sorted. */
export function dests(t: Map<string, string[]>, svc: string): string[] {
  return (t.get(svc) ?? []).map((l) => l.split(' ')).map(([a, , w]) => `${a} w${w}`).sort();
}

/** One HTTP GET with a fresh connection: the body (trimmed) or null (error or timeout). */
export function get(url: string, timeoutMs = 2000, localAddress?: string): Promise<string | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: string | null) => {
      if (!done) {
        done = true;
        resolve(v);
      }
    };
    const req = request(url, { agent: false, timeout: timeoutMs, localAddress, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => finish(res.statusCode === 200 ? body.trim() : null));
      res.on('error', () => finish(null));
    });
    req.on('timeout', () => {
      req.destroy();
      finish(null);
    });
    req.on('error', () => finish(null));
    req.end();
  });
}

/** `n` sequential requests: counts per answer (`null` for failures). */
export async function spread(url: string, n: number, timeoutMs = 2000): Promise<Map<string | null, number>> {
  const m = new Map<string | null, number>();
  for (let i = 0; i < n; i++) {
    const r = await get(url, timeoutMs);
    m.set(r, (m.get(r) ?? 0) + 1);
  }
  return m;
}

export function fmt(m: Map<string | null, number>): string {
  return [...m].map(([k, v]) => `${k ?? 'FAIL'}=${v}`).join(' ');
}

/** Waits until a request to `url` succeeds (bounded). */
export async function waitServed(url: string, timeoutMs: number): Promise<boolean> {
  return waitFor(async () => (await get(url, 1500)) !== null, timeoutMs, 200);
}

export function procAlive(pid: number): boolean {
  return spawnSync('kill', ['-0', String(pid)]).status === 0;
}
