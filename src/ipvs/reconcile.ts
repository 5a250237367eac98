// reconcile(wanted, actual, owned): the smallest list of IPVS operations that turns the actual
// table into the wanted one, touching only services the caller owns. Pure: no I/O, no clock.
//
// Rules (what the kernel can change in place, net/netfilter/ipvs/ip_vs_ctl.c):
//  - a service's identity is (af, protocol, address, port) or (af, fwmark); anything else
//    (scheduler, flags, persistence timeout and netmask, persistence engine) changes with
//    SET_SERVICE (ip_vs_edit_service), so an identity never has to be deleted and re-created;
//  - a destination's identity is (address, port) within its service (ip_vs_lookup_dest also
//    matches the family); forwarding method, weight, thresholds and tunnel settings change with
//    SET_DEST (__ip_vs_update_dest), which is how weight changes go;
//  - DEL_SERVICE removes the service's destinations with it: no DEL_DEST is emitted for them;
//  - an actual service for which `owned` returns false is never touched, even when `wanted`
//    names it (a table shared with other tools, e.g. kube-proxy or a second keepalived);
//  - IP_VS_SVC_F_HASHED is kernel-internal and ignored; only the bits of `flagsMask` are compared.
// Order: service deletions first, then per wanted service (in `wanted` order) its NEW/SET_SERVICE,
// destination deletions, then NEW/SET_DEST in `wanted` order. Equal addresses written differently
// (2001:db8::1 vs 2001:0db8:0::1) are the same key.
import { IP_VS_SVC_F } from './constants.ts';
import { canonicalAddr, familyOfText } from './addr.ts';
import { DEFAULT_FLAGS_MASK } from './codec.ts';
import type { DestConfig, DestKey, IpvsFamily, IpvsOp, IpvsTable, ServiceConfig, ServiceKey } from './types.ts';

// Canonical forms and families of address texts are memoised: one diff of 1,000 services x 10
// real servers canonicalises ~20,000 addresses, which was most of its time (bench/lvs.ts), and
// the addresses are the configuration's, the same from pass to pass. Bounded: cleared when full.
const MEMO_MAX = 1 << 16;
const canonMemo = new Map<string, string>();
const familyMemo = new Map<string, IpvsFamily | null>();

function canon(af: IpvsFamily, a: string | undefined): string {
  if (a === undefined) return '';
  const key = af === 'inet' ? a : `6|${a}`;
  const hit = canonMemo.get(key);
  if (hit !== undefined) return hit;
  let c: string;
  try {
    c = canonicalAddr(af, a);
  } catch {
    c = a; // an invalid address stays as written: the encoder will refuse it with a typed error
  }
  if (canonMemo.size >= MEMO_MAX) canonMemo.clear();
  canonMemo.set(key, c);
  return c;
}

function familyOfAddress(a: string): IpvsFamily | undefined {
  let f = familyMemo.get(a);
  if (f === undefined) {
    f = familyOfText(a) ?? null;
    if (familyMemo.size >= MEMO_MAX) familyMemo.clear();
    familyMemo.set(a, f);
  }
  return f ?? undefined;
}

/** A stable string identity of a service. */
export function serviceId(k: ServiceKey): string {
  if (k.fwmark) return `${k.af}|fwm|${k.fwmark >>> 0}`;
  return `${k.af}|${k.protocol ?? '?'}|${canon(k.af, k.address)}|${k.port ?? 0}`;
}

function destFamily(d: DestKey, svcAf: IpvsFamily): IpvsFamily {
  return d.af ?? familyOfAddress(d.address) ?? svcAf;
}

/** A stable string identity of a destination within a service of family `svcAf`. */
export function destId(d: DestKey, svcAf: IpvsFamily): string {
  const af = destFamily(d, svcAf);
  return `${af}|${canon(af, d.address)}|${d.port}`;
}

/** The identity part of a service, without settings or counters. */
export function serviceKeyOf(s: ServiceKey): ServiceKey {
  return s.fwmark ? { af: s.af, fwmark: s.fwmark } : { af: s.af, protocol: s.protocol, address: s.address, port: s.port };
}

/** True when SET_SERVICE is needed to turn `actual` into `wanted`. */
export function serviceDiffers(wanted: ServiceConfig, actual: ServiceConfig): boolean {
  const mask = (wanted.flagsMask ?? DEFAULT_FLAGS_MASK) & ~IP_VS_SVC_F.HASHED;
  return (
    wanted.scheduler !== actual.scheduler ||
    ((wanted.flags ^ actual.flags) & mask) !== 0 ||
    wanted.timeoutS !== actual.timeoutS ||
    wanted.netmask !== actual.netmask ||
    (wanted.peName ?? '') !== (actual.peName ?? '')
  );
}

/** True when SET_DEST is needed. Tunnel fields default to what the kernel reports (IPIP, 0, 0). */
export function destDiffers(wanted: DestConfig, actual: DestConfig): boolean {
  return (
    wanted.fwd !== actual.fwd ||
    wanted.weight !== actual.weight ||
    wanted.upperThreshold !== actual.upperThreshold ||
    wanted.lowerThreshold !== actual.lowerThreshold ||
    (wanted.tunType ?? 'ipip') !== (actual.tunType ?? 'ipip') ||
    (wanted.tunPort ?? 0) !== (actual.tunPort ?? 0) ||
    (wanted.tunFlags ?? 0) !== (actual.tunFlags ?? 0)
  );
}

/** Strips counters and kernel-only fields so an op carries configuration only. */
function destConfigOf(d: DestConfig, svcAf: IpvsFamily): DestConfig {
  const out: DestConfig = {
    address: d.address,
    port: d.port,
    af: destFamily(d, svcAf),
    fwd: d.fwd,
    weight: d.weight,
    upperThreshold: d.upperThreshold,
    lowerThreshold: d.lowerThreshold,
  };
  if (d.tunType !== undefined) out.tunType = d.tunType;
  if (d.tunPort !== undefined) out.tunPort = d.tunPort;
  if (d.tunFlags !== undefined) out.tunFlags = d.tunFlags;
  return out;
}

function serviceConfigOf(s: ServiceConfig): ServiceConfig {
  const out: ServiceConfig = { ...serviceKeyOf(s), scheduler: s.scheduler, flags: s.flags & ~IP_VS_SVC_F.HASHED, timeoutS: s.timeoutS, netmask: s.netmask };
  if (s.flagsMask !== undefined) out.flagsMask = s.flagsMask;
  if (s.peName) out.peName = s.peName;
  return out;
}

/**
 * Fast path for the common case of a pass (most services unchanged): the same destinations in the
 * same order with the same settings. Equal address text, port and family is the same identity;
 * anything else (reordered, rewritten addresses, duplicates) goes the general way.
 */
function sameDests(want: DestConfig[], have: DestConfig[], af: IpvsFamily): boolean {
  if (want.length !== have.length) return false;
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    const h = have[i];
    if (w.address !== h.address || w.port !== h.port || destFamily(w, af) !== destFamily(h, af) || destDiffers(w, h)) return false;
  }
  return true;
}

export function reconcile(wanted: IpvsTable, actual: IpvsTable, owned: (svc: ServiceKey) => boolean): IpvsOp[] {
  const ops: IpvsOp[] = [];
  const actualById = new Map(actual.services.map((row) => [serviceId(row.service), row]));
  // Last entry wins when `wanted` names a service twice (as a Map assignment would).
  const wantedById = new Map(wanted.services.map((row) => [serviceId(row.service), row]));

  for (const [id, row] of actualById) {
    if (!wantedById.has(id) && owned(row.service)) ops.push({ kind: 'del-service', service: serviceKeyOf(row.service) });
  }

  for (const [id, want] of wantedById) {
    const have = actualById.get(id);
    const key = serviceKeyOf(want.service);
    const af = want.service.af;
    if (!have) {
      ops.push({ kind: 'new-service', service: serviceConfigOf(want.service) });
      const seen = new Map<string, DestConfig>();
      for (const d of want.dests) seen.set(destId(d, af), d);
      for (const d of seen.values()) ops.push({ kind: 'new-dest', service: key, dest: destConfigOf(d, af) });
      continue;
    }
    if (!owned(have.service)) continue;
    if (serviceDiffers(want.service, have.service)) ops.push({ kind: 'set-service', service: serviceConfigOf(want.service) });
    if (sameDests(want.dests, have.dests, af)) continue;
    const haveDests = new Map(have.dests.map((d) => [destId(d, af), d]));
    const wantDests = new Map(want.dests.map((d) => [destId(d, af), d]));
    for (const [did, d] of haveDests) {
      if (!wantDests.has(did)) ops.push({ kind: 'del-dest', service: key, dest: { address: d.address, port: d.port, af: destFamily(d, af) } });
    }
    for (const [did, d] of wantDests) {
      const h = haveDests.get(did);
      if (!h) ops.push({ kind: 'new-dest', service: key, dest: destConfigOf(d, af) });
      else if (destDiffers(d, h)) ops.push({ kind: 'set-dest', service: key, dest: destConfigOf(d, af) });
    }
  }
  return ops;
}
