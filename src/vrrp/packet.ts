// VRRP advertisement codec: VRRPv2 (RFC 3768 §5.3) and VRRPv3 (RFC 5798 §5.2), plus the
// receive-side checks of RFC 5798 §7.1 / RFC 3768 §7.1 as keepalived's vrrp_check_packet applies
// them. Decoding never throws: every input ends as {ok: true} or {ok: false, reason} with a stable
// reason code, counted per reason in DropCounters.
//
// Wire layout (both versions, network byte order):
//   0: version(4 bits) | type(4 bits)     1: VRID     2: priority     3: count IPvX addrs
//   v2: 4: auth type   5: advert int (s)   v3: 4-5: rsvd(4 bits) | max advert int (12 bits, cs)
//   6-7: checksum   8..: count addresses (4 or 16 bytes each)   v2 only: 8 bytes auth data
//
// Checksum: v2 over the VRRP message only (RFC 3768 §5.3.8); v3 over the IPv4/IPv6 pseudo-header
// plus the message (RFC 5798 §5.2.8), or like v2 when `v3ChecksumAsV2` (keepalived
// `v3_checksum_as_v2`, FRR `no checksum-with-ipv4-pseudoheader`).

import { formatIp, ipEquals, type IpBytes, type IpFamily } from './addr.ts';
import { internetChecksum, pseudoHeader } from './checksum.ts';
import { v2AdvertIntSec } from './timing.ts';

export const VRRP_TYPE_ADVERT = 1;
export const VRRP_HEADER_LEN = 8;
export const VRRP_AUTH_LEN = 8;
/** RFC 5798 §5.1.1.3 / §5.1.2.2: TTL / hop limit of every advert. */
export const VRRP_TTL = 255;
export const VRRP_MCAST_V4 = '224.0.0.18';
export const VRRP_MCAST_V6 = 'ff02::12';

/** v2 Auth Type (RFC 3768 §5.3.6; RFC 2338 for PASS and AH). */
export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
export const AUTH_AH = 2;
export type AuthType = 0 | 1 | 2;

export interface VrrpAdvert {
  version: 2 | 3;
  /** Type field; always 1 (advertisement) after a successful decode. */
  type: number;
  vrid: number;
  priority: number;
  family: IpFamily;
  addrs: IpBytes[];
  /**
   * Advertisement interval in centiseconds: v3 Max Adver Int as sent; v2 the 1-byte seconds
   * field times 100.
   */
  advertIntCs: number;
  /** v2 only (0 for v3). */
  authType: number;
  /** v2 only: the 8 auth data bytes (empty for v3). */
  authData: Uint8Array;
  /** The checksum field as received/encoded. */
  checksum: number;
}

export interface EncodeParams {
  version: 2 | 3;
  vrid: number;
  priority: number;
  family: IpFamily;
  addrs: readonly IpBytes[];
  /** Interval in centiseconds; v2 writes whole seconds rounded up (min 1). */
  advertIntCs: number;
  /** v2: 0 none, 1 PASS. AH is not implemented for sending. */
  authType?: 0 | 1;
  /** v2 PASS: truncated / zero-padded to 8 bytes as keepalived does. */
  authPass?: string;
  /** v3: source and destination for the pseudo-header checksum. */
  src?: IpBytes;
  dst?: IpBytes;
  /** v3: checksum over the VRRP message only, as v2. */
  v3ChecksumAsV2?: boolean;
}

/** keepalived's auth_pass handling: the first 8 bytes of the password, zero padded. */
export function authPassBytes(pass: string): Uint8Array {
  const out = new Uint8Array(VRRP_AUTH_LEN);
  out.set(new TextEncoder().encode(pass).subarray(0, VRRP_AUTH_LEN));
  return out;
}

function addrLen(family: IpFamily): number {
  return family === 4 ? 4 : 16;
}

/** Encodes one advertisement; returns the VRRP payload (what goes after the IP header). */
export function encodeAdvert(p: EncodeParams): Uint8Array {
  const alen = addrLen(p.family);
  const count = p.addrs.length;
  const len = VRRP_HEADER_LEN + count * alen + (p.version === 2 ? VRRP_AUTH_LEN : 0);
  const b = new Uint8Array(len);
  b[0] = (p.version << 4) | VRRP_TYPE_ADVERT;
  b[1] = p.vrid & 0xff;
  b[2] = p.priority & 0xff;
  b[3] = count & 0xff;
  if (p.version === 2) {
    b[4] = p.authType ?? AUTH_NONE;
    b[5] = v2AdvertIntSec(p.advertIntCs);
  } else {
    const cs = p.advertIntCs & 0x0fff;
    b[4] = cs >> 8;
    b[5] = cs & 0xff;
  }
  for (let i = 0; i < count; i++) {
    const a = p.addrs[i];
    if (a.length === alen) b.set(a, VRRP_HEADER_LEN + i * alen);
  }
  if (p.version === 2 && p.authType === AUTH_PASS) b.set(authPassBytes(p.authPass ?? ''), len - VRRP_AUTH_LEN);
  const sum =
    p.version === 3 && !p.v3ChecksumAsV2 && p.src && p.dst
      ? internetChecksum(pseudoHeader(p.src, p.dst, len), b)
      : internetChecksum(b);
  b[6] = sum >> 8;
  b[7] = sum & 0xff;
  return b;
}

/** What the transport knows about a received packet besides its VRRP payload. */
export interface RxMeta {
  family: IpFamily;
  src: IpBytes;
  dst: IpBytes;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
}

/** Stable reason codes of dropped adverts. */
export const DROP_REASONS = [
  'short', // shorter than the fixed header
  'version', // version field neither 2 nor 3, or v2 over IPv6
  'type', // type is not ADVERTISEMENT
  'length', // payload length does not match count (RFC 5798 §7.1 "complete VRRP packet")
  'checksum',
  'ttl', // TTL / hop limit not 255 (multicast)
  'version_mismatch', // valid version, but not the instance's
  'vrid_unknown', // no instance for this VRID (the transport's demux counts it)
  'auth_type', // v2: unknown auth type, or not the configured one
  'auth_pass', // v2 PASS: wrong password
  'interval_mismatch', // v2: advert interval differs from ours (always dropped)
  'addr_count', // count IPvX addrs differs from our VIP count
  'addr_list', // one of our VIPs is missing from the advert
  'unicast_src', // check_unicast_src: source is not a configured peer
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export type DecodeResult = { ok: true; advert: VrrpAdvert } | { ok: false; reason: DropReason; detail: string };

export interface DecodeOptions {
  /** Verify a v3 checksum as v2 (no pseudo-header). */
  v3ChecksumAsV2?: boolean;
}

function drop(reason: DropReason, detail: string): { ok: false; reason: DropReason; detail: string } {
  return { ok: false, reason, detail };
}

/**
 * Instance-independent decoding and checks: size, version, type, length for the address count,
 * checksum. Never throws.
 */
export function decodeAdvert(payload: Uint8Array, meta: RxMeta, opts: DecodeOptions = {}): DecodeResult {
  if (!(payload instanceof Uint8Array) || payload.length < VRRP_HEADER_LEN) {
    return drop('short', `packet too short (${payload?.length ?? 0} bytes)`);
  }
  const version = payload[0] >> 4;
  const type = payload[0] & 0x0f;
  if (version !== 2 && version !== 3) return drop('version', `wrong VRRP version ${version}`);
  // RFC 5798 §8.3.2: VRRPv2 is IPv4 only.
  if (version === 2 && meta.family !== 4) return drop('version', 'VRRPv2 advert over IPv6');
  if (type !== VRRP_TYPE_ADVERT) return drop('type', `invalid packet type ${type}`);
  const alen = addrLen(meta.family);
  const count = payload[3];
  const expected = VRRP_HEADER_LEN + count * alen + (version === 2 ? VRRP_AUTH_LEN : 0);
  if (payload.length !== expected) {
    return drop('length', `vrrp packet too ${payload.length > expected ? 'long' : 'short'}, length ${payload.length} and expect ${expected}`);
  }
  const checksum = (payload[6] << 8) | payload[7];
  const pseudo = version === 3 && !opts.v3ChecksumAsV2;
  if (pseudo && (meta.src?.length !== alen || meta.dst?.length !== alen)) {
    return drop('checksum', 'source/destination address family does not match');
  }
  const calc = pseudo ? internetChecksum(pseudoHeader(meta.src, meta.dst, payload.length), payload) : internetChecksum(payload);
  if (calc !== 0) return drop('checksum', `Invalid VRRPv${version} checksum`);
  const addrs: IpBytes[] = [];
  for (let i = 0; i < count; i++) addrs.push(payload.slice(VRRP_HEADER_LEN + i * alen, VRRP_HEADER_LEN + (i + 1) * alen));
  const advert: VrrpAdvert = {
    version,
    type,
    vrid: payload[1],
    priority: payload[2],
    family: meta.family,
    addrs,
    advertIntCs: version === 2 ? payload[5] * 100 : ((payload[4] & 0x0f) << 8) | payload[5],
    authType: version === 2 ? payload[4] : 0,
    authData: version === 2 ? payload.slice(expected - VRRP_AUTH_LEN) : new Uint8Array(0),
    checksum,
  };
  return { ok: true, advert };
}

/** What one instance expects of the adverts for its VRID. */
export interface RxCheckConfig {
  name: string;
  version: 2 | 3;
  vrid: number;
  /** Our configured advert interval in centiseconds (v2 compares whole seconds). */
  advertIntCs: number;
  /** v2 auth: 0 none, 1 PASS, 2 AH (AH adverts are decoded and counted but not verified). */
  authType: AuthType;
  authPass?: string;
  vips: readonly IpBytes[];
  /** Unicast instances skip the TTL check (keepalived: only with min_ttl/max_ttl). */
  unicast?: boolean;
  /** check_unicast_src: adverts must come from one of these. */
  unicastPeers?: readonly IpBytes[];
  /** keepalived `skip_check_adv_addr`: no VIP-list check for adverts from the current master. */
  skipCheckAdvAddr?: boolean;
}

export type CheckResult = { ok: true } | { ok: false; reason: DropReason; detail: string };

/**
 * Instance checks in keepalived's vrrp_check_packet order: TTL 255 (multicast only), version,
 * v2 auth type / password, v2 interval (RFC 3768 §7.1 "MUST verify that the Adver Interval in
 * the packet is the same as the locally configured"; a v3 mismatch is accepted), then the
 * address list (RFC 5798 §7.1 "MAY verify that the IPvX Address(es) associated with the VRID
 * are valid").
 *
 * Address-list decision: we behave as keepalived <= 2.3.2 (Debian/Ubuntu 2.2.7, the peers most
 * deployments run): a count mismatch or a missing VIP REJECTS the advert, so peers with different
 * VIP lists fail the same way as against keepalived. With `skipCheckAdvAddr`, both checks are
 * skipped for adverts whose source is `currentMaster` (the master we already follow).
 */
export function checkAdvert(adv: VrrpAdvert, meta: RxMeta, cfg: RxCheckConfig, currentMaster?: IpBytes): CheckResult {
  const from = formatIp(meta.src);
  if (!cfg.unicast && meta.ttl !== VRRP_TTL) {
    return drop('ttl', `(${cfg.name}) invalid TTL/HL from ${from}. Received ${meta.ttl} and expect ${VRRP_TTL}`);
  }
  if (adv.version !== cfg.version) {
    return drop('version_mismatch', `(${cfg.name}) wrong VRRP version from ${from}. Received ${adv.version} and expect ${cfg.version}`);
  }
  if (adv.vrid !== cfg.vrid) return drop('vrid_unknown', `(${cfg.name}) advert for VRID ${adv.vrid}`);
  if (adv.version === 2) {
    if (adv.authType !== AUTH_NONE && adv.authType !== AUTH_PASS && adv.authType !== AUTH_AH) {
      return drop('auth_type', `(${cfg.name}) Invalid auth type: ${adv.authType}`);
    }
    if (adv.authType !== cfg.authType) {
      return drop('auth_type', `(${cfg.name}) received a ${adv.authType} auth, expecting ${cfg.authType}!`);
    }
    if (cfg.authType === AUTH_PASS) {
      const want = authPassBytes(cfg.authPass ?? '');
      let diff = 0;
      for (let i = 0; i < VRRP_AUTH_LEN; i++) diff |= want[i] ^ (adv.authData[i] ?? 0);
      if (diff !== 0) return drop('auth_pass', `(${cfg.name}) received an invalid passwd from ${from}!`);
    }
    const mine = v2AdvertIntSec(cfg.advertIntCs);
    if (adv.advertIntCs !== mine * 100) {
      return drop('interval_mismatch', `(${cfg.name}) advertisement interval mismatch with ${from} mine=${mine} sec rcv'd=${adv.advertIntCs / 100} sec`);
    }
  }
  if (cfg.unicast && cfg.unicastPeers && cfg.unicastPeers.length > 0 && !cfg.unicastPeers.some((p) => ipEquals(p, meta.src))) {
    return drop('unicast_src', `(${cfg.name}) unicast source address ${from} not a unicast peer`);
  }
  const skip = cfg.skipCheckAdvAddr === true && currentMaster !== undefined && ipEquals(currentMaster, meta.src);
  if (!skip) {
    if (adv.addrs.length !== cfg.vips.length) {
      return drop('addr_count', `(${cfg.name}) expected ${cfg.vips.length} VIPs but received ${adv.addrs.length}`);
    }
    for (const vip of cfg.vips) {
      if (!adv.addrs.some((a) => ipEquals(a, vip))) {
        return drop('addr_list', `(${cfg.name}) ip address associated with VRID ${cfg.vrid} not present in MASTER advert : ${formatIp(vip)}`);
      }
    }
  }
  return { ok: true };
}

/** Decode + instance checks in one call. */
export function receiveAdvert(
  payload: Uint8Array,
  meta: RxMeta,
  cfg: RxCheckConfig & DecodeOptions,
  currentMaster?: IpBytes,
): DecodeResult {
  const d = decodeAdvert(payload, meta, cfg);
  if (!d.ok) return d;
  const c = checkAdvert(d.advert, meta, cfg, currentMaster);
  return c.ok ? d : c;
}

/** Per-reason drop counters (one per instance, plus one per socket for instance-less drops). */
export type DropCounters = Record<DropReason, number>;

export function newDropCounters(): DropCounters {
  const c = {} as DropCounters;
  for (const r of DROP_REASONS) c[r] = 0;
  return c;
}

/** Counts a drop in place and returns the counters (they are data owned by the adapter). */
export function countDrop(c: DropCounters, reason: DropReason): DropCounters {
  c[reason] = (c[reason] ?? 0) + 1;
  return c;
}
