// keepalived's corrections and refusals for one resolved instance (vrrp_complete_instance in
// keepalived/vrrp/vrrp.c): required keywords, nopreempt/preempt_delay against an initial MASTER,
// authentication limits, unicast consistency, strict mode, and weighted trackers that sync group
// members and address owners may not have. Each report names the keyword's line.
import type { Pending } from './build-vrrp.ts';
import type { Diagnostics, Place } from './diagnostics.ts';
import type { TrackRef, VrrpInstance, VrrpSyncGroup } from './model.ts';

const MAC_RE = /^[0-9a-f]{1,2}(:[0-9a-f]{1,2}){5}$/i;

/**
 * `use_vmac [NAME] [MAC]` (keepalived.conf(5)): the interface name defaults to vrrp.VRID; the MAC
 * to the VRRP virtual router MAC (RFC 5798 §7.3), chosen per family when the macvlan is made.
 */
export function vmacOf(args: readonly string[], vrid: number): { name: string; mac?: string } | string {
  let name: string | undefined;
  let mac: string | undefined;
  for (const a of args) {
    if (MAC_RE.test(a) && mac === undefined) mac = a.toLowerCase();
    else if (name === undefined && !MAC_RE.test(a)) name = a;
    else return `'${a}' is not supported yet`;
  }
  name ??= `vrrp.${vrid}`;
  if (Buffer.byteLength(name) > 15 || /[\s/:]/.test(name) || name === '.' || name === '..') return `invalid interface name '${name}'`;
  return mac === undefined ? { name } : { name, mac };
}

/** Where a keyword was written in the instance, or the instance itself. */
export function at(p: Pending, keyword: string, fallback: Place): Place {
  return p.lines.get(keyword) ?? fallback;
}

export function familyOf(addr: string | undefined): 4 | 6 | undefined {
  if (addr === undefined) return undefined;
  return addr.includes(':') ? 6 : 4;
}

export function applyInstanceRules(inst: VrrpInstance, p: Pending, d: Diagnostics): void {
  const name = inst.name;
  if (!p.explicit.has('virtual_router_id')) d.error(inst, `(${name}) the virtual router id (VRID) must be set`);
  if (inst.interface === undefined && inst.unicastPeer.length === 0) {
    d.error(inst, `(${name}) no interface specified (required unless unicast_peer is used)`);
  }
  if (inst.virtualIpaddress.length === 0 && !inst.noVirtualIpaddress) {
    // vrrp.c: an error in strict mode (RFC 5798 needs at least one address), a warning otherwise.
    if (inst.strictMode) d.error(inst, `(${name}) No VIP specified; at least one is required in strict mode`);
    else d.warn(inst, `(${name}) No VIP specified; at least one is sensible`);
  }
  if (inst.nopreempt && inst.priority === 255) {
    d.warn(at(p, 'nopreempt', inst), `(${name}) nopreempt is incompatible with priority 255. resetting nopreempt`);
    inst.nopreempt = false;
  }
  if (inst.state === 'MASTER' && inst.priority !== 255) {
    // vrrp.c: an initial MASTER below 255 must not delay preemption.
    if (inst.nopreempt) {
      d.warn(at(p, 'nopreempt', inst), `(${name}) Warning - nopreempt will not work with initial state MASTER - clearing`);
      inst.nopreempt = false;
    }
    if (inst.preemptDelayMs > 0) {
      d.warn(at(p, 'preempt_delay', inst), `(${name}) Warning - preempt delay will not work with initial state MASTER - clearing`);
      inst.preemptDelayMs = 0;
    }
  }
  if (inst.authentication && inst.version === 3) {
    d.warn(at(p, 'authentication', inst), `(${name}) VRRP version 3 does not support authentication. Ignoring.`);
    inst.authentication = undefined;
  }
  if (inst.authentication?.type === 'AH' && inst.virtualIpaddress[0]?.family === 6) {
    d.error(at(p, 'authentication', inst), `(${name}) AH authentication is only supported for IPv4`);
  }
  if (inst.authentication?.type === 'PASS' && !inst.authentication.pass) {
    d.error(at(p, 'authentication', inst), `(${name}) auth_type PASS needs an auth_pass`);
  }
  if (inst.unicastSrcIp && inst.unicastPeer.some((u) => familyOf(u.address) !== familyOf(inst.unicastSrcIp))) {
    d.error(at(p, 'unicast_src_ip', inst), `(${name}) unicast_src_ip and unicast peers must be the same address family`);
  }
  if (inst.unicastSrcIp !== undefined && inst.unicastPeer.length === 0 && !inst.unicastFaultNoPeer) {
    d.warn(at(p, 'unicast_src_ip', inst), `(${name}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast.`);
  }
  if (inst.interface !== undefined) {
    // vrrp.c: "Ignoring track_interface X since own interface" (the own interface is always tracked).
    inst.trackInterfaces = inst.trackInterfaces.filter((t) => {
      if (t.name !== inst.interface) return true;
      d.warn(t, `(${name}) Ignoring track_interface ${t.name} since own interface`);
      return false;
    });
  }
  const useVmac = inst.kept.filter((k) => k.keyword === 'use_vmac').at(-1);
  if (useVmac) {
    const vmac = vmacOf(useVmac.args, inst.virtualRouterId);
    if (typeof vmac === 'string') d.error(useVmac, `(${name}) use_vmac: ${vmac}`);
    else inst.vmac = vmac;
  }
  if (inst.noAccept && !inst.accept) {
    // keepalived 2.2.7 puts the VIPs of a non-accepting master in an iptables set / nftables
    // table that drops traffic to them (RFC 5798 Accept_Mode false). We have no packet filter,
    // so the VIPs accept traffic whatever the setting: say so once, at the keyword's line.
    // (Strict mode's implicit no-accept is the same difference, documented rather than warned:
    // it is the common case of the shipped default config, and accepting is what users want.)
    d.warn(at(p, 'no_accept', inst), `(${name}) no_accept: keepalived-ts installs no iptables/nftables rules, traffic to the VIPs is accepted while MASTER`);
  }
  if (inst.vmacXmitBase && !inst.kept.some((k) => k.keyword === 'use_vmac')) {
    d.warn(at(p, 'vmac_xmit_base', inst), `(${name}) vmac_xmit_base is only valid with a vmac - clearing`);
    inst.vmacXmitBase = false;
  }
  if (inst.strictMode) {
    const reset = (keyword: string, message: string): void => d.warn(at(p, keyword, inst), `(${name}) ${message} - resetting`);
    if (p.explicit.has('accept') && inst.accept && inst.priority !== 255 && inst.version === 2) {
      reset('accept', 'warning - accept mode for VRRP version 2 does not comply with RFC3768');
      inst.accept = false;
    }
    if (inst.garpLowerPrioRepeat !== 0) {
      reset('garp_lower_prio_repeat', 'Strict mode requires no repeat garps');
      inst.garpLowerPrioRepeat = 0;
    }
    if (inst.garpLowerPrioDelayMs !== 0) {
      reset('garp_lower_prio_delay', 'Strict mode requires no repeat garp delay');
      inst.garpLowerPrioDelayMs = 0;
    }
    if (!inst.lowerPrioNoAdvert) {
      reset('lower_prio_no_advert', 'Strict mode requires no lower priority advert');
      inst.lowerPrioNoAdvert = true;
    }
    if (inst.higherPrioSendAdvert) {
      reset('higher_prio_send_advert', 'strict mode requires higher_prio_send_advert to be clear');
      inst.higherPrioSendAdvert = false;
    }
    if (inst.state === 'MASTER' && inst.priority !== 255) {
      d.warn(at(p, 'state', inst), `(${name}) Cannot start in MASTER state if not address owner (strict mode) - using BACKUP`);
      inst.state = 'BACKUP';
    }
    if (inst.unicastPeer.length > 0) d.error(at(p, 'unicast_peer', inst), `(${name}) unicast_peer is not allowed in strict mode`);
    if (inst.authentication) {
      d.warn(at(p, 'authentication', inst), `(${name}) strict mode does not support authentication. Ignoring.`);
      inst.authentication = undefined;
    }
    if (inst.preemptDelayMs > 0) {
      d.warn(at(p, 'preempt_delay', inst), `(${name}) preempt_delay is incompatible with strict mode - clearing`);
      inst.preemptDelayMs = 0;
    }
  }
}

/**
 * Weighted trackers are not allowed on sync group members (nor on address owners) unless the
 * group sets sync_group_tracking_weight: keepalived drops weighted scripts and files ("ignoring
 * tracked script X with weights due to SYNC group") and zeroes interface weights.
 */
export function dropWeightedTrackers(inst: VrrpInstance, group: VrrpSyncGroup | undefined, d: Diagnostics): void {
  const why = group !== undefined && !group.syncGroupTrackingWeight ? 'SYNC group' : inst.priority === 255 ? 'address owner' : undefined;
  if (why === undefined) return;
  const keep = (kind: string) => (r: TrackRef): boolean => {
    if (r.weight === 0) return true;
    d.warn(r, `(${inst.name}) ignoring ${kind} ${r.name} with weights due to ${why}`);
    return false;
  };
  inst.trackScripts = inst.trackScripts.filter(keep('tracked script'));
  inst.trackFiles = inst.trackFiles.filter(keep('tracked file'));
  for (const r of inst.trackInterfaces) {
    if (r.weight !== 0) {
      d.warn(r, `(${inst.name}) ignoring weight of tracked interface ${r.name} due to ${why}`);
      r.weight = 0;
    }
  }
}
