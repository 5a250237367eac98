// The self-balancing DR tier, built in (vrrp_instance keyword `lvs_self_balancing`): every node
// runs a web server; the VRRP master holds the VIP on its interface and balances with IPVS in
// direct-routing mode; the others keep the VIP on `lo` with scope host so they accept the packets
// the master forwards to them, and keep the instance's IPVS services OUT of their table (a backup
// that balanced too would bounce forwarded packets on). This replaces the hand-written
// to_master.sh / to_backup.sh of the usual recipe, which restore a saved table that may list a dead
// node and leave a hard-killed node with neither the VIP on lo nor an empty table.
//
// Pure: the plans below are ordered steps; the adapter executes them in order.
// Order rules (never leave the VIP unserved on this node):
//  - to MASTER: add the VIP on the interface first (it is then on lo and the interface at once,
//    which the kernel allows), install the services from CURRENT health, then take the VIP off lo,
//    then announce it (GARP / NA);
//  - to BACKUP/FAULT/STOP: put the VIP on lo first, then take it off the interface, then remove the
//    services (a packet still arriving through a stale ARP cache is served locally).

export interface SelfBalanceVip {
  address: string;
  prefix: number;
  dev: string;
  label?: string;
}

export type SelfBalanceStep =
  | { kind: 'vip-add'; vip: SelfBalanceVip; dev: string; scope: 'host' | 'global'; prefix: number }
  | { kind: 'vip-del'; vip: SelfBalanceVip; dev: string }
  | { kind: 'ipvs-install' }
  | { kind: 'ipvs-remove' }
  | { kind: 'announce' };

export type Role = 'MASTER' | 'BACKUP';

const onLo = (v: SelfBalanceVip): SelfBalanceStep => ({ kind: 'vip-add', vip: v, dev: 'lo', scope: 'host', prefix: v.address.includes(':') ? 128 : 32 });

export function planTransition(to: Role, vips: SelfBalanceVip[]): SelfBalanceStep[] {
  if (to === 'MASTER') {
    return [
      ...vips.map((v): SelfBalanceStep => ({ kind: 'vip-add', vip: v, dev: v.dev, scope: 'global', prefix: v.prefix })),
      { kind: 'ipvs-install' },
      ...vips.map((v): SelfBalanceStep => ({ kind: 'vip-del', vip: v, dev: 'lo' })),
      { kind: 'announce' },
    ];
  }
  return [...vips.map(onLo), ...vips.map((v): SelfBalanceStep => ({ kind: 'vip-del', vip: v, dev: v.dev })), { kind: 'ipvs-remove' }];
}

/** What the node looks like now, as read from rtnetlink and the IPVS dump. */
export interface Observed {
  /** VIP addresses present on `lo`. */
  onLo: Set<string>;
  /** VIP addresses present on their interface. */
  onDev: Set<string>;
  /** True when any IPVS service of this instance is in the kernel table. */
  servicesPresent: boolean;
}

/**
 * Start-up repair: a crashed run may have left the VIP on the interface, off lo, or the services
 * installed. The node starts as BACKUP (VRRP always does), so bring it to the BACKUP layout, doing
 * only what is missing or extra.
 */
export function planRepair(vips: SelfBalanceVip[], seen: Observed): SelfBalanceStep[] {
  const steps: SelfBalanceStep[] = [];
  for (const v of vips) if (!seen.onLo.has(v.address)) steps.push(onLo(v));
  for (const v of vips) if (seen.onDev.has(v.address)) steps.push({ kind: 'vip-del', vip: v, dev: v.dev });
  if (seen.servicesPresent) steps.push({ kind: 'ipvs-remove' });
  return steps;
}

/** The ARP sysctls a DR node needs, and what is wrong with the current ones. */
export interface ArpSysctls {
  allArpIgnore: number;
  devArpIgnore: number;
  allArpAnnounce: number;
  devArpAnnounce: number;
}

/**
 * The kernel uses max(all, dev) for both arp_ignore and arp_announce. A node holding the VIP on lo
 * must not answer ARP for it on the interface (arp_ignore >= 1) nor announce it as an ARP source
 * (arp_announce = 2). Returns the sysctl lines to set, empty when fine.
 */
export function arpSysctlProblems(dev: string, s: ArpSysctls): string[] {
  const out: string[] = [];
  if (Math.max(s.allArpIgnore, s.devArpIgnore) < 1) out.push(`net.ipv4.conf.${dev}.arp_ignore = 1`);
  if (Math.max(s.allArpAnnounce, s.devArpAnnounce) < 2) out.push(`net.ipv4.conf.${dev}.arp_announce = 2`);
  return out;
}
