// The lab topology, shared by `npm run lab` and the benchmarks (keepalived-bench.md's topology): a bridge in its own namespace and one
// namespace per host, each with eth0 on the bridge. Nothing touches the host's interfaces; every
// address is in 10.99.0.0/24 inside namespaces made here. Benchmarks (not the daemon) may use `ip`.
import { execFileSync, spawnSync } from 'node:child_process';

export interface LabHost {
  name: string;
  ns: string;
  ip: string;
  mac: string;
}

export interface Lab {
  prefix: string;
  bridgeNs: string;
  hosts: Map<string, LabHost>;
  vip: string;
  down(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function nsExists(ns: string): boolean {
  return spawnSync('ip', ['netns', 'pids', ns], { stdio: 'ignore' }).status === 0;
}

/** Kills every process left in a namespace (bounded), then deletes it. */
export function destroyNs(ns: string): void {
  if (!nsExists(ns)) return;
  for (let i = 0; i < 20; i++) {
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean);
    if (pids.length === 0) break;
    for (const p of pids) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    spawnSync('sleep', ['0.05']);
  }
  spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}

export function createLab(prefix: string, hostNames: string[] = ['d1', 'd2', 'c1']): Lab {
  const bridgeNs = `${prefix}-br`;
  const hosts = new Map<string, LabHost>();
  const lab: Lab = {
    prefix,
    bridgeNs,
    hosts,
    vip: '10.99.0.100',
    down() {
      for (const h of hosts.values()) destroyNs(h.ns);
      destroyNs(bridgeNs);
    },
  };
  lab.down();
  ip('netns', 'add', bridgeNs);
  ip('-n', bridgeNs, 'link', 'set', 'lo', 'up');
  ip('-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0');
  ip('-n', bridgeNs, 'link', 'set', 'br0', 'up');
  hostNames.forEach((name, i) => {
    const n = i + 1;
    const h: LabHost = { name, ns: `${prefix}-${name}`, ip: `10.99.0.${n}`, mac: `02:99:00:00:00:${n.toString(16).padStart(2, '0')}` };
    ip('netns', 'add', h.ns);
    ip('-n', h.ns, 'link', 'set', 'lo', 'up');
    spawnSync('ip', ['netns', 'exec', h.ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    ip('-n', bridgeNs, 'link', 'add', `p-${name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns);
    ip('-n', bridgeNs, 'link', 'set', `p-${name}`, 'master', 'br0', 'up');
    ip('-n', h.ns, 'link', 'set', 'eth0', 'address', h.mac);
    ip('-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0');
    ip('-n', h.ns, 'link', 'set', 'eth0', 'up');
    hosts.set(name, h);
  });
  return lab;
}

/** True when `addr` is configured on eth0 in the namespace. */
export function hasAddress(ns: string, addr: string): boolean {
  const r = spawnSync('ip', ['-n', ns, '-j', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' });
  if (r.status !== 0) return false;
  try {
    const j = JSON.parse(r.stdout) as { addr_info?: { local: string }[] }[];
    return j.some((l) => (l.addr_info ?? []).some((a) => a.local === addr));
  } catch {
    return false;
  }
}
