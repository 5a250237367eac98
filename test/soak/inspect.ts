// What the soak looks at inside a namespace: its routes (to find any a daemon left behind) and
// its processes with their age (to find script runs that outlived their timeout, or anything
// left after the daemons stopped).
import { readFileSync } from 'node:fs';
import { sh } from '../lib/lab.ts';

interface JsonRoute {
  dst: string;
  dev?: string;
  type?: string;
  table?: string;
  protocol?: string;
  prefsrc?: string;
  gateway?: string;
}

/** Every route of every table, both families, one normalised line each (no timers or metrics). */
export function routeSnapshot(ns: string): string[] {
  const out: string[] = [];
  for (const fam of ['-4', '-6']) {
    let rs: JsonRoute[] = [];
    try {
      rs = JSON.parse(sh('ip', ['-n', ns, '-j', fam, 'route', 'show', 'table', 'all'], { allowFail: true }) || '[]') as JsonRoute[];
    } catch {
      // no output
    }
    for (const r of rs) out.push([fam, r.table ?? 'main', r.type ?? 'unicast', r.dst, r.gateway ? `via ${r.gateway}` : '', r.dev ? `dev ${r.dev}` : '', r.protocol ?? '', r.prefsrc ? `src ${r.prefsrc}` : ''].filter(Boolean).join(' '));
  }
  return out.sort();
}

export interface NsProc {
  pid: number;
  cmd: string;
  ageMs: number;
}

const TICKS = 100; // USER_HZ: /proc/PID/stat start times are in 1/100 s on Linux

/** The processes in `ns` now, with their command lines and ages. */
export function namespaceProcs(ns: string): NsProc[] {
  let uptime = 0;
  try {
    uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  } catch {
    // keep 0
  }
  const out: NsProc[] = [];
  for (const p of sh('ip', ['netns', 'pids', ns], { allowFail: true }).split(/\s+/).filter(Boolean).map(Number)) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Field 22 (starttime) counted after the parenthesised command name, which may hold spaces.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const start = Number(rest[19]) / TICKS;
      out.push({ pid: p, cmd, ageMs: Math.round((uptime - start) * 1000) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
