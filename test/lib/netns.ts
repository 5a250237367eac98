// Network-namespace lab helpers for the netns tier (root only). Everything is created inside
// namespaces this process makes (names `kats-<pid>-<tag>`); interfaces are created directly in
// their namespace (`ip -n NS link add ... peer ... netns OTHER`) so the host's own interfaces
// and namespace are never touched. Every wait is bounded.
//
// Two ways to run code "in" a namespace:
//  - in-process: sockets are opened inside a namespace with the addon's setns(2) (see
//    src/native/netns.ts; NetlinkSocket.open(..., { netns }), RawSocket.open(..., { netns })).
//    Node's main thread switches in, creates the socket, and switches back synchronously, so
//    one test process can hold sockets in several namespaces. This is what the tests here use.
//  - a child process: runNode(ns, script) spawns `ip netns exec NS node script.ts`, for code
//    (like the daemon) that opens sockets on its own.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const NODE = join(ROOT, 'node_modules', '.bin', 'node');

/** Why the netns tier cannot run here, or null. */
export function netnsBlocker(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'needs root';
  if (spawnSync('sh', ['-c', 'command -v ip'], { stdio: 'ignore' }).status !== 0) return 'needs iproute2';
  return null;
}

/** Runs a command; throws with its stderr when it fails. */
export function sh(cmd: string, args: string[], opts: { allowFail?: boolean; timeoutMs?: number } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 20_000 });
  if ((r.status !== 0 || r.error) && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal ?? r.error?.message}): ${r.stderr?.trim()}`);
  }
  return r.stdout ?? '';
}

/** `ip [-n ns] args...` */
export function ip(ns: string | undefined, ...args: string[]): string {
  return sh('ip', ns ? ['-n', ns, ...args] : args);
}

/** `ip -j [-n ns] args...` parsed (iproute2's JSON output). */
export function ipJson<T = unknown>(ns: string | undefined, ...args: string[]): T {
  const out = sh('ip', ['-j', ...(ns ? ['-n', ns] : []), ...args]).trim();
  return JSON.parse(out === '' ? '[]' : out) as T;
}

/** Runs a command inside a namespace (`ip netns exec`). */
export function nsExec(ns: string, cmd: string, ...args: string[]): string {
  return sh('ip', ['netns', 'exec', ns, cmd, ...args]);
}

/** Writes a sysctl inside a namespace (net.* sysctls are per namespace). */
export function nsSysctl(ns: string, key: string, value: string | number): void {
  const path = '/proc/sys/' + key.replace(/\./g, '/');
  sh('ip', ['netns', 'exec', ns, 'sh', '-c', `echo ${value} > ${path}`]);
}

export interface IpJsonAddrInfo {
  family: string;
  local: string;
  prefixlen: number;
  scope: string;
  label?: string;
  broadcast?: string;
  nodad?: boolean;
  noprefixroute?: boolean;
  secondary?: boolean;
  [k: string]: unknown;
}
export interface IpJsonLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  operstate: string;
  address?: string;
  addr_info?: IpJsonAddrInfo[];
  [k: string]: unknown;
}

/**
 * A set of namespaces and links for one test file; cleanup() deletes all of it (deleting a
 * namespace destroys its interfaces, and a veth dies with either end). Call it in after().
 */
export class NetnsLab {
  readonly prefix: string;
  readonly namespaces: string[] = [];
  #ifseq = 0;

  constructor(tag: string) {
    this.prefix = `kats-${process.pid}-${tag}`;
  }

  /**
   * Creates a namespace `<prefix>-<name>` with lo up and IPv6 duplicate address detection off
   * (so link-local and test addresses are usable at once instead of after ~1 s of DAD).
   */
  ns(name: string): string {
    const full = `${this.prefix}-${name}`;
    sh('ip', ['netns', 'add', full]);
    this.namespaces.push(full);
    ip(full, 'link', 'set', 'lo', 'up');
    for (const k of ['all', 'default']) nsSysctl(full, `net.ipv6.conf.${k}.accept_dad`, 0);
    return full;
  }

  /** A short unique interface name (IFNAMSIZ is 16 with the NUL). */
  ifname(tag: string): string {
    return `k${(process.pid % 100000).toString(36)}${(this.#ifseq++).toString(36)}${tag}`.slice(0, 15);
  }

  /** A veth pair with one end in each namespace, both up. Returns the names. */
  veth(nsA: string, ifA: string, nsB: string, ifB: string): { a: string; b: string } {
    ip(nsA, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB);
    ip(nsA, 'link', 'set', ifA, 'up');
    ip(nsB, 'link', 'set', ifB, 'up');
    return { a: ifA, b: ifB };
  }

  /**
   * A namespace holding a bridge `br0` with one veth port per member namespace; each member gets
   * an interface `dev` (default 'eth0') on the segment. Returns the bridge namespace.
   */
  bridge(name: string, members: string[], dev = 'eth0'): string {
    const br = this.ns(name);
    ip(br, 'link', 'add', 'br0', 'type', 'bridge');
    ip(br, 'link', 'set', 'br0', 'up');
    for (const m of members) {
      const port = this.ifname('p');
      ip(m, 'link', 'add', dev, 'type', 'veth', 'peer', 'name', port, 'netns', br);
      ip(m, 'link', 'set', dev, 'up');
      ip(br, 'link', 'set', port, 'master', 'br0');
      ip(br, 'link', 'set', port, 'up');
    }
    return br;
  }

  link(ns: string, dev: string): IpJsonLink {
    const l = ipJson<IpJsonLink[]>(ns, 'link', 'show', 'dev', dev)[0];
    if (!l) throw new Error(`no link ${dev} in ${ns}`);
    return l;
  }

  ifindex(ns: string, dev: string): number {
    return this.link(ns, dev).ifindex;
  }

  /** Addresses of one device as `ip -j addr show dev DEV` reports them. */
  addrs(ns: string, dev: string): IpJsonAddrInfo[] {
    return ipJson<IpJsonLink[]>(ns, 'addr', 'show', 'dev', dev)[0]?.addr_info ?? [];
  }

  cleanup(): void {
    for (const n of this.namespaces.splice(0).reverse()) sh('ip', ['netns', 'del', n], { allowFail: true });
  }
}

/** Polls `pred` every `everyMs` until it returns a truthy value or `timeoutMs` passes (then throws). */
export async function waitFor<T>(what: string, pred: () => T | Promise<T>, timeoutMs = 5000, everyMs = 25): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await pred();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves with the first value `subscribe` hands to its callback, or rejects after `timeoutMs`. */
export function nextEvent<T>(what: string, subscribe: (cb: (v: T) => void) => () => void, match: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    let unsub: () => void = () => {};
    const timer = setTimeout(() => {
      unsub();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    unsub = subscribe((v) => {
      if (!match(v)) return;
      clearTimeout(timer);
      unsub();
      resolve(v);
    });
  });
}

/**
 * Runs a TypeScript file with the project's Node inside a namespace (`ip netns exec NS node FILE`),
 * killing it after `timeoutMs`. For code that must live wholly in the namespace (the daemon).
 */
export function runNode(ns: string, script: string, args: string[] = [], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, NODE, script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
