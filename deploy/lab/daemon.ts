// Starting and stopping a VRRP daemon (keepalived or ours) inside a lab namespace. Each daemon is
// started as a session leader so its pid is its process-group id: a crash is `kill -9 -PGID`, which
// takes every helper process with it (keepalived runs a parent and a VRRP child).
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DaemonKind {
  name: 'keepalived' | 'keepalived-ts';
  /** argv for a config file and a private run directory. */
  argv(conf: string, runDir: string): string[];
}

const repo = join(import.meta.dirname, '..', '..');

export const keepalivedDaemon: DaemonKind = {
  name: 'keepalived',
  argv: (conf, run) => ['keepalived', '-n', '-l', '-D', '-G', '--vrrp', '-f', conf, '-p', join(run, 'ka.pid'), '-r', join(run, 'vrrp.pid'), '-c', join(run, 'chk.pid')],
};

/**
 * Node flags for the daemon, the same as its shebang and the systemd unit (why: src/cli/bin.js):
 * a small young generation, V8's optimising tiers off and its heap tuned for size until a
 * health-check side needs them.
 */
export const daemonNodeFlags = ['--max-semi-space-size=2', '--no-opt', '--no-maglev', '--optimize-for-size'];

export const oursDaemon: DaemonKind = {
  name: 'keepalived-ts',
  argv: (conf, run) => [join(repo, 'node_modules/.bin/node'), ...daemonNodeFlags, join(repo, 'src/cli/bin.js'), '-n', '-l', '-D', '-f', conf, '-p', join(run, 'kats.pid'), '--control-socket', join(run, 'ctl.sock'), '--log-format', 'keepalived'],
};

export interface VrrpBenchConf {
  name: string;
  priority: number;
  version: 2 | 3;
  advertSec: number;
  nopreempt: boolean;
  vip: string;
  vrid?: number;
}

export function vrrpConf(c: VrrpBenchConf): string {
  return `global_defs {
    router_id ${c.name}
    vrrp_garp_master_delay 5
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id ${c.vrid ?? 51}
    priority ${c.priority}
    advert_int ${c.advertSec}
    version ${c.version}
${c.nopreempt ? '    nopreempt\n' : ''}    virtual_ipaddress {
        ${c.vip}/32 dev eth0
    }
}
`;
}

export class RunningDaemon {
  readonly child: ChildProcess;
  readonly ns: string;
  readonly logPath: string;
  private exited = false;

  constructor(kind: DaemonKind, ns: string, conf: string, runDir: string) {
    mkdirSync(runDir, { recursive: true });
    this.ns = ns;
    this.logPath = join(runDir, `${kind.name}.log`);
    const fd = openSync(this.logPath, 'a');
    this.child = spawn('ip', ['netns', 'exec', ns, ...kind.argv(conf, runDir)], { detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.child.on('exit', () => (this.exited = true));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** kill -9 of the whole process group. */
  crash(): void {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }

  terminate(): void {
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      // gone already
    }
  }

  async waitExit(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.exited && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    if (!this.exited) this.crash();
    return this.exited;
  }
}

export function writeConf(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
