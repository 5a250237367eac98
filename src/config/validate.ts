// Cross-object rules checked on the built model: VRID clashes, virtual server references and
// ports, duplicate services, and (unless host checks are off) interfaces existing on this host.
// Range checks of single values happen earlier, when each keyword is read (walk.ts).
import { readdirSync } from 'node:fs';
import type { KeywordPlaces } from './build.ts';
import { vsName } from './build-lvs.ts';
import { checkSchedules } from './build-drains.ts';
import type { Diagnostics, Place } from './diagnostics.ts';
import type { Model, VirtualServer, VrrpInstance } from './model.ts';

export interface ValidateOptions {
  /** Check that interfaces exist on this host (default true). */
  hostChecks?: boolean;
  /** Interface names of the host; default: /sys/class/net. */
  interfaces?: () => Set<string>;
}

export function hostInterfaces(): Set<string> {
  try {
    return new Set(readdirSync('/sys/class/net'));
  } catch {
    return new Set();
  }
}

function placeOf(places: KeywordPlaces, obj: object, keyword: string, fallback: Place): Place {
  return places.get(obj)?.get(keyword) ?? fallback;
}

export function validateModel(model: Model, d: Diagnostics, places: KeywordPlaces, opts: ValidateOptions = {}): void {
  checkVrids(model.vrrpInstances, d, places);
  checkVirtualServers(model, d);
  checkSchedules(model, d); // keepalived-ts drain_schedule / maintenance_schedule (build-drains.ts)
  if (opts.hostChecks !== false) checkInterfaces(model, d, places, (opts.interfaces ?? hostInterfaces)());
}

/** keepalived: "VI_1 and VI_2 both use VRID 5 with IPv4 on interface eth0". */
function checkVrids(instances: VrrpInstance[], d: Diagnostics, places: KeywordPlaces): void {
  const owners = new Map<string, VrrpInstance>();
  for (const inst of instances) {
    if (inst.virtualRouterId === 0) continue;
    const family = inst.virtualIpaddress[0]?.family ?? 4;
    const key = `${inst.interface ?? ''}|${family}|${inst.virtualRouterId}`;
    const other = owners.get(key);
    if (other && inst.unicastPeer.length === 0 && other.unicastPeer.length === 0) {
      d.error(placeOf(places, inst, 'virtual_router_id', inst), `${other.name} and ${inst.name} both use VRID ${inst.virtualRouterId} with IPv${family} on interface ${inst.interface}`);
    } else owners.set(key, inst);
  }
}

/**
 * keepalived: "virtual server group X cannot have IPv4, IPv6 and fwmark without family": a fwmark
 * entry without inet/inet6 takes the group's family, so the group must have only one.
 */
function checkGroupFamilies(model: Model, d: Diagnostics): void {
  for (const g of model.virtualServerGroups) {
    const families = new Set<string>();
    for (const m of g.members) {
      if (m.kind === 'fwmark') {
        if (m.family) families.add(m.family === 'inet' ? '4' : '6');
      } else families.add((m.kind === 'address' ? m.address : m.first).includes(':') ? '6' : '4');
    }
    const bare = g.members.find((m) => m.kind === 'fwmark' && m.family === undefined);
    if (bare && families.size > 1) d.error(bare, `virtual server group ${g.name} cannot have IPv4, IPv6 and fwmark without family`);
  }
}

function checkVirtualServers(model: Model, d: Diagnostics): void {
  checkGroupFamilies(model, d);
  const groups = new Map(model.virtualServerGroups.map((g) => [g.name, g]));
  const seen = new Set<string>();
  for (const vs of model.virtualServers) {
    const key = `${vsName(vs)}|${vs.protocol}`;
    if (seen.has(key)) d.error(vs, `Virtual server ${vsName(vs)} ${vs.protocol} already defined`);
    seen.add(key);
    if (vs.group !== undefined && !groups.has(vs.group)) d.error(vs, `Virtual server group ${vs.group} does not exist`);
    checkRealServers(vs, d);
  }
}

/** Duplicate real servers (keepalived: "real server X is duplicated") and family mismatches. */
function checkRealServers(vs: VirtualServer, d: Diagnostics): void {
  const seen = new Set<string>();
  for (const rs of vs.realServers) {
    const key = `${rs.address}|${rs.port ?? ''}`;
    if (seen.has(key)) d.error(rs, `real server ${rs.address}:${rs.port ?? 0} already defined in virtual server ${vsName(vs)}`);
    seen.add(key);
    if (vs.address !== undefined && rs.address.includes(':') !== vs.address.includes(':') && vs.lbKind !== 'TUN') {
      d.error(rs, `real server ${rs.address} address family differs from virtual server ${vsName(vs)}`);
    }
  }
}

/** keepalived: "WARNING - interface X for vrrp_instance VI_1 doesn't exist" fails `-t`. */
function checkInterfaces(model: Model, d: Diagnostics, places: KeywordPlaces, present: Set<string>): void {
  const dynamic = model.globalDefs.dynamicInterfaces !== undefined;
  const report = (at: Place, msg: string): void => (dynamic ? d.warn(at, msg) : d.error(at, msg));
  for (const inst of model.vrrpInstances) {
    if (inst.interface !== undefined && !present.has(inst.interface)) {
      report(placeOf(places, inst, 'interface', inst), `interface ${inst.interface} for vrrp_instance ${inst.name} doesn't exist`);
    }
    for (const vip of [...inst.virtualIpaddress, ...inst.virtualIpaddressExcluded]) {
      if (vip.dev !== undefined && !present.has(vip.dev)) report(vip, `interface ${vip.dev} for ip address ${vip.address}/${vip.prefix} doesn't exist`);
    }
    for (const t of inst.trackInterfaces) {
      if (!present.has(t.name)) report(t, `tracked interface ${t.name} for vrrp_instance ${inst.name} doesn't exist`);
    }
  }
  for (const g of model.vrrpSyncGroups) {
    for (const t of g.trackInterfaces) {
      if (!present.has(t.name)) report(t, `tracked interface ${t.name} for sync group ${g.name} doesn't exist`);
    }
  }
}
