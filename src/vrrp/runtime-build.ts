// From the configuration model and the interfaces the kernel reports to what each instance runner
// needs (InstanceSetup): fsm configuration, transport binding, receive checks, VIPs. Pure: the
// links and addresses are passed in, so this is testable without a kernel.

import { parseIp, type IpBytes, type IpFamily } from './addr.ts';
import { makeConfig, type GarpConfig } from './fsm.ts';
import { AUTH_AH, AUTH_NONE, AUTH_PASS, type AuthType } from './packet.ts';
import type { InstanceSetup } from './instance.ts';
import type { GlobalDefs, VrrpInstance } from '../config/model.ts';
import { resolveVip, type VipSpec } from '../vips/manager.ts';

export interface LinkView {
  index: number;
  name: string;
  up: boolean;
  mac?: Uint8Array;
}

export interface AddrView {
  index: number;
  family: number;
  address: Uint8Array;
  scope: number;
  /** IFA_F_* flags. */
  flags: number;
}

export interface BuiltInstance {
  setup: InstanceSetup;
  /** Interface faults to set before start (`if:eth0`, `src`). */
  faults: string[];
  /** Lines to log (warnings from keepalived's consistency rules, resolution problems). */
  warnings: string[];
  /** Source address chosen automatically (re-resolved when addresses change). */
  autoSrc: boolean;
  /** Interface whose address is the advert source (the base interface, also with use_vmac). */
  srcIfindex: number;
}

export interface BuildOptions {
  /** use_vmac: the macvlan (already created) that carries the VIPs and, unless xmitBase, the adverts. */
  vmac?: { name: string; xmitBase: boolean };
}

const IFA_F_SECONDARY = 0x01;
const IFA_F_TENTATIVE = 0x40;
const IFA_F_DADFAILED = 0x08;

/**
 * The address adverts go out from when none is configured: keepalived uses the interface's
 * primary IPv4 address, and for IPv6 its link-local address (RFC 5798 §5.1.2.1: "the IPv6
 * link-local address of the interface over which the packet is transmitted").
 */
export function primaryAddress(family: IpFamily, ifindex: number, addrs: readonly AddrView[]): IpBytes | undefined {
  if (family === 4) {
    const mine = addrs.filter((a) => a.family === 2 && a.index === ifindex && a.address.length === 4);
    return (mine.find((a) => (a.flags & IFA_F_SECONDARY) === 0) ?? mine[0])?.address;
  }
  const ll = addrs.find(
    (a) => a.family === 10 && a.index === ifindex && a.address.length === 16 && a.address[0] === 0xfe && (a.address[1] & 0xc0) === 0x80 && (a.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) === 0,
  );
  return ll?.address;
}

export function garpOf(i: VrrpInstance): GarpConfig {
  return {
    masterDelayMs: i.garpMasterDelayMs,
    masterRepeat: i.garpMasterRepeat,
    masterRefreshMs: i.garpMasterRefreshMs,
    masterRefreshRepeat: i.garpMasterRefreshRepeat,
    lowerPrioDelayMs: i.garpLowerPrioDelayMs,
    lowerPrioRepeat: i.garpLowerPrioRepeat,
  };
}

function authOf(i: VrrpInstance): { type: AuthType; pass?: string } {
  if (i.version !== 2 || !i.authentication) return { type: AUTH_NONE };
  if (i.authentication.type === 'PASS') return { type: AUTH_PASS, pass: i.authentication.pass ?? '' };
  return { type: AUTH_AH };
}

export function buildInstance(i: VrrpInstance, g: GlobalDefs, links: readonly LinkView[], addrs: readonly AddrView[], opts: BuildOptions = {}): BuiltInstance | string {
  const warnings: string[] = [];
  const family: IpFamily = i.virtualIpaddress[0]?.family ?? (i.unicastSrcIp?.includes(':') || i.mcastSrcIp?.includes(':') ? 6 : 4);
  const ifname = i.interface ?? g.defaultInterface;
  if (!ifname) return `(${i.name}) no interface configured`;
  const link = links.find((l) => l.name === ifname);
  if (!link) return `(${i.name}) interface ${ifname} does not exist`;
  const ifindexOf = (n: string) => links.find((l) => l.name === n)?.index;
  // use_vmac: VIPs default to the VMAC and adverts leave from it (vmac_xmit_base: from the base);
  // the source address stays the base interface's (the VMAC has none of its own), as keepalived.
  const vmacLink = opts.vmac ? links.find((l) => l.name === opts.vmac!.name) : undefined;
  if (opts.vmac && !vmacLink) return `(${i.name}) VMAC interface ${opts.vmac.name} does not exist`;
  const sendLink = vmacLink && !opts.vmac!.xmitBase ? vmacLink : link;

  const unicast = i.unicastPeer.length > 0;
  const configuredSrc = unicast ? (i.unicastSrcIp ?? i.mcastSrcIp) : (i.mcastSrcIp ?? i.unicastSrcIp);
  let src: IpBytes | undefined = configuredSrc !== undefined ? parseIp(configuredSrc) : undefined;
  const autoSrc = src === undefined;
  src ??= primaryAddress(family, link.index, addrs);
  const faults: string[] = [];
  if (!src) {
    faults.push('src');
    warnings.push(`(${i.name}) entering FAULT state (no IPv${family} address for interface)`);
    src = new Uint8Array(family === 4 ? 4 : 16);
  }
  if (!sendLink.up && !i.dontTrackPrimary) faults.push(`if:${sendLink.name}`);

  const peers: IpBytes[] = [];
  for (const p of i.unicastPeer) {
    const a = parseIp(p.address);
    if (a && a.length === src.length) peers.push(a);
    else warnings.push(`(${i.name}) ignoring unicast peer ${p.address}`);
  }
  const groupText = i.mcastDstIp ?? (family === 4 ? g.vrrpMcastGroup4 : g.vrrpMcastGroup6);
  const group = parseIp(groupText) ?? parseIp(family === 4 ? '224.0.0.18' : 'ff02::12')!;

  const vips: VipSpec[] = [];
  for (const v of [...i.virtualIpaddress, ...i.virtualIpaddressExcluded]) {
    const r = resolveVip(v, vmacLink?.name ?? ifname, ifindexOf);
    if (typeof r === 'string') warnings.push(`(${i.name}) ${r}`);
    else vips.push(r);
  }
  const advertAddrs = i.virtualIpaddress.map((v) => parseIp(v.address)).filter((a): a is IpBytes => a !== undefined && a.length === (family === 4 ? 4 : 16));

  const { config, warnings: w } = makeConfig({
    name: i.name,
    vrid: i.virtualRouterId,
    primaryAddr: src,
    family,
    version: i.version,
    basePriority: i.priority,
    advertIntCs: Math.max(1, Math.round(i.advertIntervalMs / 10)),
    wantMaster: i.state === 'MASTER',
    nopreempt: i.nopreempt,
    preemptDelayMs: i.preemptDelayMs,
    downTimerAdverts: i.downTimerAdverts,
    garp: garpOf(i),
    lowerPrioNoAdvert: i.lowerPrioNoAdvert,
    higherPrioSendAdvert: i.higherPrioSendAdvert,
    syncGroup: i.syncGroup,
  });
  warnings.push(...w);
  const auth = authOf(i);
  return {
    setup: {
      config,
      binding: {
        key: i.name,
        family,
        vrid: i.virtualRouterId,
        ifname: sendLink.name,
        ifindex: sendLink.index,
        src,
        group,
        unicastPeers: unicast ? peers : undefined,
        unicastTtl: i.unicastTtl,
      },
      rx: {
        name: i.name,
        version: i.version,
        vrid: i.virtualRouterId,
        advertIntCs: config.advertIntCs,
        authType: auth.type,
        authPass: auth.pass,
        vips: advertAddrs,
        unicast,
        // unicast_peer: adverts from anyone but a configured peer are dropped.
        unicastPeers: unicast ? peers : undefined,
        skipCheckAdvAddr: i.skipCheckAdvAddr,
      },
      advertAddrs,
      vips,
      authType: auth.type === AUTH_PASS ? 1 : 0,
      authPass: auth.pass,
    },
    faults,
    warnings,
    autoSrc,
    srcIfindex: link.index,
  };
}
