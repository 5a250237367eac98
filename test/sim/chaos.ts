// Chaos helpers of the simulator (lan.ts) that are pure: what a SIGHUP reload does to each
// instance, how a hostile packet is made from a real advert, and the per-kind counters a
// schedule returns (so tests and `npm run sim` can show that every kind of chaos happened).
import { ip, type IpBytes } from '../../src/vrrp/addr.ts';
import { encodeAdvert, AUTH_PASS, DROP_REASONS, type DropReason } from '../../src/vrrp/packet.ts';
import type { Rng } from './prng.ts';
import { planReload } from '../../src/vrrp/reload-plan.ts';

/** The per-router, per-VRID configuration a reload can change. */
export interface InstanceSpec {
  addr: IpBytes;
  basePriority: number;
  advertIntCs: number;
  preemptDelayMs: number;
  trackerWeight: number;
  /** Stands for configuration the fsm does not see (notify scripts, ...): still a change. */
  rev: number;
}

export interface ReloadPlan {
  kept: string[];
  /** Kept, with a new base priority (the fsm's `base_priority` event). */
  reprioritised: Map<string, number>;
  /** Stopped (priority 0, VIPs released) and started anew. */
  restarted: string[];
}

function same(a: InstanceSpec, b: InstanceSpec): boolean {
  return JSON.stringify({ ...a, addr: [...a.addr] }) === JSON.stringify({ ...b, addr: [...b.addr] });
}

/**
 * What the daemon's reload does with each instance of one router: the daemon's own decision
 * (src/vrrp/reload-plan.ts planReload, as VrrpRuntime.applyModel calls it) over these specs.
 */
export function reloadPlan(members: readonly { name: string; prev: InstanceSpec; next: InstanceSpec }[], syncGroup: boolean): ReloadPlan {
  const { kept, reprioritised } = planReload(members, syncGroup ? [members.map((m) => m.name)] : [], {
    priorityOf: (c) => c.basePriority,
    withPriority: (c, basePriority) => ({ ...c, basePriority }),
    same,
  });
  return {
    kept: members.filter((m) => kept.has(m.name)).map((m) => m.name),
    reprioritised,
    restarted: members.filter((m) => !kept.has(m.name)).map((m) => m.name),
  };
}

export const HOSTILE_KINDS = ['checksum', 'ttl', 'bad_version', 'other_version', 'type', 'truncated', 'auth', 'addrs', 'random'] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** The last real advert a VRID saw on the wire, and what the receivers of that VRID expect. */
export interface LastAdvert {
  version: 2 | 3;
  family: 4 | 6;
  vrid: number;
  priority: number;
  advertIntCs: number;
  vips: readonly IpBytes[];
  authPass: string | undefined;
  src: IpBytes;
  dst: IpBytes;
  payload: Uint8Array;
}

export interface HostilePacket {
  payload: Uint8Array;
  ttl: number;
  /** The drop reasons receiveAdvert may give for it; anything else (or acceptance) is a failure. */
  expect: readonly DropReason[];
}

/**
 * A hostile copy of a real advert. Re-encoded variants (other version, wrong auth, wrong
 * addresses) carry a valid checksum and a tempting priority (0 or 255), so only the check the
 * kind is about stands between them and the state machine.
 */
export function corruptAdvert(rng: Rng, kind: HostileKind, last: LastAdvert): HostilePacket {
  const p = last.payload;
  const lure = rng.pick([0, 255, last.priority]);
  const reencode = (over: { version?: 2 | 3; addrs?: readonly IpBytes[]; authType?: 0 | 1; authPass?: string }): Uint8Array =>
    encodeAdvert({
      version: over.version ?? last.version,
      vrid: last.vrid,
      priority: lure,
      family: last.family,
      addrs: over.addrs ?? last.vips,
      advertIntCs: last.advertIntCs,
      authType: over.authType ?? (last.authPass !== undefined ? AUTH_PASS : 0),
      authPass: over.authPass ?? last.authPass,
      src: last.src,
      dst: last.dst,
    });
  switch (kind) {
    case 'checksum': {
      // any byte but version/type (0) and the address count (3), which fail earlier checks
      const q = p.slice();
      const i = 1 + rng.int(q.length - 1);
      q[i === 3 ? 2 : i] ^= 1 + rng.int(255);
      return { payload: q, ttl: 255, expect: ['checksum'] };
    }
    case 'ttl':
      // RFC 5798 §7.1 / RFC 3768 §7.1: a multicast advert that crossed a router (TTL < 255)
      return { payload: p, ttl: rng.int(255), expect: ['ttl'] };
    case 'bad_version': {
      const q = p.slice();
      q[0] = (rng.pick([0, 1, 4, 5, 7, 15]) << 4) | (q[0] & 0x0f);
      return { payload: q, ttl: 255, expect: ['version'] };
    }
    case 'other_version':
      // VRRPv2 does not exist over IPv6 (RFC 5798 §8.3.2): the decoder refuses it outright.
      if (last.version === 3 && last.family === 6) return { payload: reencode({ version: 2, authType: 0 }), ttl: 255, expect: ['version'] };
      return { payload: reencode({ version: last.version === 2 ? 3 : 2, authType: 0 }), ttl: 255, expect: ['version_mismatch'] };
    case 'type': {
      const q = p.slice();
      q[0] = (q[0] & 0xf0) | rng.pick([0, 2, 3, 15]);
      return { payload: q, ttl: 255, expect: ['type'] };
    }
    case 'truncated': {
      const n = rng.int(p.length);
      return { payload: p.slice(0, n), ttl: 255, expect: n < 8 ? ['short'] : ['length'] };
    }
    case 'auth':
      if (last.version === 2) {
        if (last.authPass === undefined) return { payload: reencode({ authType: AUTH_PASS, authPass: 'guess' }), ttl: 255, expect: ['auth_type'] };
        if (rng.chance(0.3)) return { payload: reencode({ authType: 0 }), ttl: 255, expect: ['auth_type'] };
        // a password differing within the 8 bytes that count
        return { payload: reencode({ authPass: `x${last.authPass}`.slice(0, 8) }), ttl: 255, expect: ['auth_pass'] };
      }
      // VRRPv3 has no authentication (RFC 5798 §9): a v2 PASS advert is the wrong version
      if (last.family === 6) return { payload: reencode({ version: 2, authType: AUTH_PASS, authPass: 'guess' }), ttl: 255, expect: ['version'] };
      return { payload: reencode({ version: 2, authType: AUTH_PASS, authPass: 'guess' }), ttl: 255, expect: ['version_mismatch'] };
    case 'addrs': {
      const other = last.family === 4 ? ip(`198.51.100.${1 + rng.int(254)}`) : ip(`2001:db8:ffff::${(1 + rng.int(0xfffe)).toString(16)}`);
      if (rng.chance(0.5)) return { payload: reencode({ addrs: [...last.vips, other] }), ttl: 255, expect: ['addr_count'] };
      return { payload: reencode({ addrs: [other, ...last.vips.slice(1)] }), ttl: 255, expect: ['addr_list'] };
    }
    case 'random': {
      const q = new Uint8Array(rng.int(80));
      for (let i = 0; i < q.length; i++) q[i] = rng.int(256);
      // anything but acceptance: a random 16-bit checksum matching is ~2^-16 even before the
      // version, type, VRID and address checks
      return { payload: q, ttl: 255, expect: DROP_REASONS };
    }
  }
}

export const CHAOS_OPS = ['crash', 'stop', 'partition', 'loss', 'tracker', 'if_fault', 'mend', 'duplicate', 'reload', 'hostile'] as const;
export type ChaosOp = (typeof CHAOS_OPS)[number];

/** What a schedule's chaos phase did, by kind. */
export interface ChaosCounts {
  ops: Record<ChaosOp, number>;
  /** Duplicate copies of real adverts that reached a running router. */
  duplicatesDelivered: number;
  /** Instances a reload kept untouched / gave a new base priority / restarted. */
  reloads: { kept: number; priority: number; restarted: number };
  hostile: { delivered: number; dropped: number; byKind: Partial<Record<HostileKind, number>>; byReason: Partial<Record<DropReason, number>> };
}

export function newChaosCounts(): ChaosCounts {
  const ops = {} as Record<ChaosOp, number>;
  for (const k of CHAOS_OPS) ops[k] = 0;
  return { ops, duplicatesDelivered: 0, reloads: { kept: 0, priority: 0, restarted: 0 }, hostile: { delivered: 0, dropped: 0, byKind: {}, byReason: {} } };
}

function addRec<K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): void {
  for (const k of Object.keys(from) as K[]) into[k] = (into[k] ?? 0) + (from[k] ?? 0);
}

/** Adds `b` into `a` (long runs sum the counts of every schedule). */
export function addChaosCounts(a: ChaosCounts, b: ChaosCounts): void {
  addRec(a.ops, b.ops);
  a.duplicatesDelivered += b.duplicatesDelivered;
  a.reloads.kept += b.reloads.kept;
  a.reloads.priority += b.reloads.priority;
  a.reloads.restarted += b.reloads.restarted;
  a.hostile.delivered += b.hostile.delivered;
  a.hostile.dropped += b.hostile.dropped;
  addRec(a.hostile.byKind, b.hostile.byKind);
  addRec(a.hostile.byReason, b.hostile.byReason);
}

/** One line per kind, for `npm run sim`. */
export function formatChaosCounts(c: ChaosCounts): string[] {
  const rec = (r: Partial<Record<string, number>>) => Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    `chaos ops: ${rec(c.ops)}`,
    `duplicates delivered: ${c.duplicatesDelivered}`,
    `reloads: ${c.reloads.kept} instance(s) kept, ${c.reloads.priority} reprioritised (base_priority), ${c.reloads.restarted} restarted`,
    `hostile packets: ${c.hostile.delivered} delivered, ${c.hostile.dropped} dropped; by kind: ${rec(c.hostile.byKind)}`,
    `hostile drops by reason: ${rec(c.hostile.byReason)}`,
  ];
}
