// SIGUSR1 / SIGUSR2 dumps, as keepalived writes them to its tmp directory (keepalived(8)):
// SIGUSR1 -> keepalived.data (the state of every instance), SIGUSR2 -> keepalived.stats (per
// instance counters, the layout of vrrp_print_stats in keepalived/vrrp/vrrp_print.c). The
// directory is --dump-dir (default /tmp). Formatting is pure; writing is one writeFileSync.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIp } from '../vrrp/addr.ts';
import type { InstanceRunner } from '../vrrp/instance.ts';

export function formatStats(runners: Iterable<InstanceRunner>): string {
  const out: string[] = [];
  for (const r of runners) {
    const c = r.state.counters;
    const d = r.drops;
    out.push(
      `VRRP Instance: ${r.name}`,
      '  Advertisements:',
      `    Received: ${c.advertsRx}`,
      `    Sent: ${c.advertsTx}`,
      `  Became master: ${c.becomeMaster}`,
      `  Released master: ${c.releaseMaster}`,
      '  Packet Errors:',
      `    Length: ${d.length + d.short}`,
      `    TTL: ${d.ttl}`,
      `    Invalid Type: ${d.type}`,
      `    Advertisement Interval: ${d.interval_mismatch}`,
      `    Address List: ${d.addr_count + d.addr_list}`,
      '  Authentication Errors:',
      `    Invalid Type: 0`,
      `    Type Mismatch: ${d.auth_type}`,
      `    Failure: ${d.auth_pass}`,
      '  Priority Zero:',
      `    Received: ${c.priZeroRx}`,
      `    Sent: ${c.priZeroTx}`,
    );
  }
  return out.join('\n') + '\n';
}

export function formatData(runners: Iterable<InstanceRunner>): string {
  const out: string[] = ['------< VRRP Topology >------'];
  for (const r of runners) {
    const s = r.state;
    const b = r.setup.binding;
    out.push(
      ` VRRP Instance = ${r.name}`,
      `   State = ${s.state}`,
      `   Wantstate = ${s.wantState}`,
      `   Interface = ${b.ifname}`,
      `   Using src_ip = ${formatIp(b.src)}`,
      `   Virtual Router ID = ${s.config.vrid}`,
      `   Priority = ${s.config.basePriority}`,
      `   Effective priority = ${s.effectivePriority}`,
      `   Advert interval = ${s.config.advertIntCs * 10} milli-sec`,
      `   Master advert interval = ${s.masterAdverIntCs * 10} milli-sec`,
      `   VRRP Version = ${s.config.version}`,
      `   Preempt = ${s.config.nopreempt ? 'disabled' : 'enabled'}`,
      `   Preempt delay = ${s.config.preemptDelayMs / 1000} secs`,
      `   Last master = ${s.masterAddr ? formatIp(s.masterAddr) : '(none)'}`,
      `   Master priority = ${s.masterPriority ?? 0}`,
      `   Faults = ${[...s.interfaceFaults, ...s.trackerFaults].join(' ') || '(none)'}`,
      ...(b.unicastPeers && b.unicastPeers.length > 0 ? [`   Unicast Peer = ${b.unicastPeers.map(formatIp).join(' ')}`] : [`   Multicast group = ${formatIp(b.group)}`]),
      `   Virtual IP = ${r.setup.vips.length}`,
      ...r.setup.vips.map((v) => `     ${v.text}${v.label ? ` label ${v.label}` : ''}`),
    );
  }
  return out.join('\n') + '\n';
}

/** Writes one dump; returns the path, or an error text. */
export function writeDump(dir: string, name: 'keepalived.data' | 'keepalived.stats', text: string): { path: string; error?: string } {
  const path = join(dir, name);
  try {
    writeFileSync(path, text, { mode: 0o644 });
    return { path };
  } catch (e) {
    return { path, error: (e as Error).message };
  }
}
