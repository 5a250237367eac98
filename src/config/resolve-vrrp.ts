// Turns raw instances and sync groups into their effective model: defaults from global_defs,
// tracker weights from the tracked objects, and keepalived's own corrections
// (vrrp_complete_instance in keepalived/vrrp/vrrp.c), each reported at the keyword's line.
import type { Diagnostics, Place } from './diagnostics.ts';
import type { TrackUse } from './lines.ts';
import type { GlobalDefs, TrackFile, TrackRef, VrrpInstance, VrrpScript, VrrpSyncGroup } from './model.ts';
import type { Pending, RawInstance, RawSyncGroup } from './build-vrrp.ts';
import { applyInstanceRules, at, familyOf } from './rules-vrrp.ts';

export interface Trackables {
  scripts: Map<string, VrrpScript>;
  files: Map<string, TrackFile>;
}


export function resolveInstance(raw: RawInstance, g: GlobalDefs, t: Trackables, d: Diagnostics): VrrpInstance {
  const f = raw.fields;
  const p = raw.pending;
  const has = (k: string): boolean => p.explicit.has(k);
  // priority: 100, or 255 when `state MASTER` is written without a priority (vrrp.c).
  const priority = f.priority ?? (f.state === 'MASTER' ? 255 : 100);
  const state = f.state ?? (priority === 255 ? 'MASTER' : 'BACKUP');
  const strictMode = f.strictMode ?? g.vrrpStrict;

  // Address family comes from the first VIP; all VIPs of a block must share it (keepalived:
  // "address family must match VRRP instance [X] - ignoring").
  const family = raw.vips[0]?.family ?? familyOf(f.unicastSrcIp ?? f.mcastSrcIp) ?? 4;
  const vips = raw.vips.filter((v) => {
    if (v.family === family) return true;
    d.error(v, `(${f.name}): address family must match VRRP instance [${v.address}/${v.prefix}]`);
    return false;
  });
  // IPv6 instances always run VRRPv3 (RFC 5798 is the only IPv6 VRRP); keepalived switches silently.
  let version: 2 | 3 = (f.version as 2 | 3 | undefined) ?? g.vrrpVersion;
  if (family === 6) version = 3;

  const inst: VrrpInstance = {
    name: f.name,
    state,
    interface: f.interface,
    virtualRouterId: f.virtualRouterId ?? 0,
    priority,
    advertIntervalMs: resolveAdvert(f.advertIntervalMs ?? 1000, version, f.name, at(p, 'advert_int', f), d),
    version,
    nopreempt: f.nopreempt ?? false,
    preemptDelayMs: f.preemptDelayMs ?? 0,
    authentication: f.authentication,
    virtualIpaddress: vips,
    virtualIpaddressExcluded: raw.excludedVips,
    noVirtualIpaddress: f.noVirtualIpaddress ?? false,
    virtualRoutes: f.virtualRoutes ?? [],
    virtualRules: f.virtualRules ?? [],
    routes: f.routes ?? [],
    rules: f.rules ?? [],
    promoteSecondaries: f.promoteSecondaries ?? false,
    unicastSrcIp: f.unicastSrcIp,
    unicastPeer: f.unicastPeer ?? [],
    unicastTtl: f.unicastTtl,
    checkUnicastSrc: f.checkUnicastSrc ?? g.vrrpCheckUnicastSrc,
    unicastFaultNoPeer: f.unicastFaultNoPeer ?? false,
    mcastSrcIp: f.mcastSrcIp,
    mcastDstIp: f.mcastDstIp,
    trackSrcIp: f.trackSrcIp ?? false,
    dontTrackPrimary: f.dontTrackPrimary ?? false,
    lvsSelfBalancing: f.lvsSelfBalancing ?? false,
    lvsSelfBalancingSetSysctl: f.lvsSelfBalancingSetSysctl ?? false,
    trackInterfaces: p.trackInterfaces.map((u) => ({ ...base(u), weight: u.weight ?? 0, reverse: u.reverse ?? false })),
    trackScripts: resolveRefs(p.trackScripts, t.scripts, 'track script', f.name, d),
    trackFiles: resolveRefs(p.trackFiles, t.files, 'track file', f.name, d),
    garpMasterDelayMs: f.garpMasterDelayMs ?? g.vrrpGarpMasterDelayMs,
    garpMasterRepeat: f.garpMasterRepeat ?? g.vrrpGarpMasterRepeat,
    garpMasterRefreshMs: f.garpMasterRefreshMs ?? g.vrrpGarpMasterRefreshMs,
    garpMasterRefreshRepeat: f.garpMasterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat,
    // vrrp.c: the lower-priority GARP values default to the global ones (0 in strict mode).
    garpLowerPrioDelayMs: f.garpLowerPrioDelayMs ?? (strictMode ? 0 : g.vrrpGarpLowerPrioDelayMs),
    garpLowerPrioRepeat: f.garpLowerPrioRepeat ?? (strictMode ? 0 : g.vrrpGarpLowerPrioRepeat),
    vmacXmitBase: f.vmacXmitBase ?? false,
    // RFC 5798 Accept_Mode: keepalived accepts by default, except in strict mode where only
    // the address owner does.
    accept: f.noAccept ? false : (f.accept ?? (strictMode ? priority === 255 : true)),
    skipCheckAdvAddr: f.skipCheckAdvAddr ?? g.vrrpSkipCheckAdvAddr,
    strictMode,
    lowerPrioNoAdvert: f.lowerPrioNoAdvert ?? (strictMode ? true : g.vrrpLowerPrioNoAdvert),
    // On by default here (keepalived: off). When a split brain heals, the loser hears the
    // winner's higher-priority advert and steps down; the winner re-announces the VIPs (GARP / NA,
    // garp_lower_prio_repeat) only on hearing a LOWER-priority advert, which never comes if the
    // loser yielded before its own next advert, and clients keep the loser's MAC until their ARP/ND
    // entry ages out. One advert from the loser as it yields is that lower-priority advert.
    // As in vrrp_complete_instance: strict mode defaults it off (and rules-vrrp.ts clears an
    // explicit `higher_prio_send_advert` there with a warning).
    higherPrioSendAdvert: f.higherPrioSendAdvert ?? (strictMode ? false : g.vrrpHigherPrioSendAdvert),
    downTimerAdverts: f.downTimerAdverts ?? g.vrrpDownTimerAdverts,
    notifyMaster: f.notifyMaster,
    notifyBackup: f.notifyBackup,
    notifyFault: f.notifyFault,
    notifyStop: f.notifyStop,
    notifyDeleted: f.notifyDeleted,
    notify: f.notify,
    notifyMasterRxLowerPri: f.notifyMasterRxLowerPri,
    notifyPriorityChanges: f.notifyPriorityChanges ?? g.vrrpNotifyPriorityChanges,
    smtpAlert: f.smtpAlert ?? g.smtpAlertVrrp ?? g.smtpAlert ?? false,
    preempt: f.preempt,
    kept: f.kept,
    file: f.file,
    line: f.line,
  };
  if (f.noAccept !== undefined) inst.noAccept = f.noAccept;
  // `USER [GROUP]` written after notify commands (walk.ts stores them as FIELDUser).
  for (const [k, v] of Object.entries(f)) if (k.endsWith('User')) (inst as unknown as Record<string, unknown>)[k] = v;
  applyInstanceRules(inst, p, d);
  return inst;
}

export function base(u: TrackUse): { name: string; file: string; line: number } {
  return { name: u.name, file: u.file, line: u.line };
}


/**
 * v2 carries whole seconds (keepalived: "VRRPv2 advertisement interval 1.500000s must be an
 * integer. rounding"); v3 carries centiseconds up to 4095 ("Must be less than 40.96s").
 */
function resolveAdvert(ms: number, version: 2 | 3, name: string, where: Place, d: Diagnostics): number {
  if (version === 2) {
    if (ms % 1000 === 0) return ms;
    const rounded = Math.max(1000, Math.round(ms / 1000) * 1000);
    d.warn(where, `(${name}) VRRPv2 advertisement interval ${(ms / 1000).toFixed(6)}s must be an integer. rounding to ${rounded / 1000}s`);
    return rounded;
  }
  if (ms > 40950) {
    d.error(where, `(${name}) VRRPv3 advertisement interval ${(ms / 1000).toFixed(2)}s is out of range. Must be less than 40.96s`);
    return 40950;
  }
  if (ms % 10 !== 0) {
    const rounded = Math.max(10, Math.round(ms / 10) * 10);
    d.warn(where, `(${name}) VRRPv3 advertisement interval ${(ms / 1000).toFixed(6)}s must be in units of 10ms - rounding to ${rounded / 1000}s`);
    return rounded;
  }
  return ms;
}

interface Weighted {
  name: string;
  weight: number;
  weightReverse: boolean;
}

/** Per-use weight and reverse/noreverse override the tracked object's (vrrp_track.c). */
function resolveRefs(uses: TrackUse[], known: Map<string, Weighted>, what: string, owner: string, d: Diagnostics): TrackRef[] {
  const out: TrackRef[] = [];
  for (const u of uses) {
    const obj = known.get(u.name);
    if (!obj) {
      d.error(u, `(${owner}) ${what} ${u.name} not found`);
      continue;
    }
    out.push({ ...base(u), weight: u.weight ?? obj.weight, reverse: u.reverse ?? obj.weightReverse });
  }
  return out;
}

/** Sync group: members exist, an instance is in at most one group (vrrp_sync.c / vrrp_parser.c). */
export function resolveSyncGroup(raw: RawSyncGroup, instances: Map<string, VrrpInstance>, t: Trackables, d: Diagnostics): VrrpSyncGroup | undefined {
  const g = raw.group;
  const members: string[] = [];
  for (const name of g.group) {
    const where = raw.groupLines.get(name) ?? g;
    const inst = instances.get(name);
    if (!inst) {
      d.error(where, `Virtual router ${name} specified in sync group ${g.name} doesn't exist`);
      continue;
    }
    if (inst.syncGroup !== undefined && inst.syncGroup !== g.name) {
      d.error(where, `Virtual router ${name} cannot exist in more than one sync group (already in ${inst.syncGroup})`);
      continue;
    }
    if (members.includes(name)) continue;
    inst.syncGroup = g.name;
    members.push(name);
  }
  if (members.length === 0) {
    d.error(g, `Sync group ${g.name} has no virtual router(s)`);
    return undefined;
  }
  if (members.length === 1) d.warn(g, `Sync group ${g.name} has only 1 virtual router(s) - this probably isn't what you want`);
  g.group = members;
  const p = raw.pending;
  g.trackInterfaces = p.trackInterfaces.map((u) => ({ ...base(u), weight: u.weight ?? 0, reverse: u.reverse ?? false }));
  g.trackScripts = resolveRefs(p.trackScripts, t.scripts, 'track script', g.name, d);
  g.trackFiles = resolveRefs(p.trackFiles, t.files, 'track file', g.name, d);
  return g;
}
