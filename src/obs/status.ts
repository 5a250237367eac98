// `keepalived-ts status` as text: one block per VRRP instance, one line per real server. Pure:
// a StatusSnapshot (collect.ts) in, lines out.
import type { StatusSnapshot } from './collect.ts';

export function formatStatus(s: StatusSnapshot): string {
  const out: string[] = [`keepalived-ts ${s.version} pid ${s.pid}, config ${s.configFile}, up since ${s.startedAt}`];
  if (s.instances.length === 0) out.push('VRRP: no instance');
  for (const i of s.instances) {
    const prio = i.effectivePriority === i.basePriority ? `${i.basePriority}` : `${i.effectivePriority} (base ${i.basePriority})`;
    out.push(`VRRP instance ${i.name}: ${i.state}${i.maintenance ? ' [maintenance]' : ''}  vrid ${i.vrid} on ${i.interface}, v${i.version}, priority ${prio}`);
    out.push(`  master: ${i.master ?? '(none)'}${i.masterPriority !== null ? ` priority ${i.masterPriority}` : ''}`);
    out.push(`  VIPs: ${i.vips.join(' ') || '(none)'}${i.vipsHeld ? ' (configured here)' : ''}`);
    if (i.faults.length) out.push(`  faults: ${i.faults.join(', ')}`);
    if (i.lastTransition) out.push(`  last transition: ${i.lastTransition.from} -> ${i.lastTransition.to} at ${i.lastTransition.at}: ${i.lastTransition.why}`);
    const c = i.counters;
    out.push(`  adverts sent ${c.advertsTx ?? 0}, received ${c.advertsRx ?? 0}; became master ${c.becomeMaster ?? 0}, released ${c.releaseMaster ?? 0}`);
    const drops = Object.entries(i.drops).filter(([, v]) => v > 0);
    if (drops.length) out.push(`  dropped: ${drops.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  for (const vs of s.virtualServers) {
    out.push(`virtual server ${vs.virtualServer}: quorum ${vs.quorumUp === null ? '?' : vs.quorumUp ? 'up' : 'down'}`);
    for (const r of vs.realServers) {
      const p = r.lastProbe ? `last probe ${r.lastProbe.checker} ${r.lastProbe.ok ? 'ok' : 'failed'} (${r.lastProbe.reason}${r.lastProbe.detail ? `: ${r.lastProbe.detail}` : ''}) at ${r.lastProbe.at}` : 'no probe yet';
      out.push(`  real server ${r.realServer}: ${r.up ? 'UP' : 'DOWN'} weight ${r.weight}${r.drained ? ' [drained]' : ''}, ${p}`);
    }
  }
  for (const e of s.schedules ?? []) {
    const where = e.source ? `configured at ${e.source}` : 'ctl';
    const open = e.openUntil ? `OPEN until ${e.openUntil}` : `next ${e.nextRun ?? '(none)'}`;
    out.push(`schedule ${e.id}: ${e.kind} ${e.target} at '${e.cron}'${e.timezone ? ` ${e.timezone}` : ''} for ${e.durationS} s (${where}), ${open}`);
  }
  return out.join('\n') + '\n';
}
