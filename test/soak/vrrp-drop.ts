// A VRRP-only partition for the soak: drop VRRP (IPv4 protocol 112, IPv6 next header 112) from
// chosen source addresses on chosen bridge ports, and nothing else, so the pair still exchange
// ARP, ND, ping and HTTP, and the client still reaches whichever of them holds the VIP.
//
// This host has neither nft nor iptables, and no tc action modules (`action drop` fails with
// "Failed to load TC action module"; flower and prio/netem are absent too). What it has is the
// clsact qdisc and cls_bpf, and cls_bpf in direct-action mode takes a classic BPF program whose
// return value is the verdict: 2 (TC_ACT_SHOT) drops, -1 (TC_ACT_UNSPEC) passes the packet on to
// the next filter. The filter sits on the egress of the bridge port towards the receiver, i.e. on
// frames the bridge delivers to it, so a multicast advert is dropped for that one receiver only.
// cls_bpf runs classic BPF from the Ethernet header (it pushes the MAC header back at ingress),
// so the offsets below are frame offsets: EtherType at 12, IPv4 protocol at 23 and source at 26
// (no IPv4 options in VRRP: RFC 3768/5798 adverts are sent without them), IPv6 next header at 20
// and source at 22..37 (VRRPv3 over IPv6 carries no extension header, RFC 5798 §5.1.2).
import { isIPv4, isIPv6 } from 'node:net';
import { sh } from '../lib/lab.ts';

const VRRP_PROTO = 112;
const SHOT = 2;
const UNSPEC = 0xffffffff;

/** Classic BPF bytecode (tc's `bytecode` syntax: "N,op jt jf k,...") for "VRRP from `src`". */
export function vrrpFromBytecode(src: string): string {
  const ins: [number, number, number, number][] = [];
  // op codes: ldh abs 0x28, ldb abs 0x30, ld abs 0x20, jeq k 0x15, ret k 0x06
  if (isIPv4(src)) {
    const word = src.split('.').reduce((a, o) => a * 256 + Number(o), 0);
    ins.push([0x28, 0, 0, 12], [0x15, 0, 5, 0x0800], [0x30, 0, 0, 23], [0x15, 0, 3, VRRP_PROTO], [0x20, 0, 0, 26], [0x15, 0, 1, word], [0x06, 0, 0, SHOT], [0x06, 0, 0, UNSPEC]);
  } else if (isIPv6(src)) {
    const words = ipv6Words(src);
    // 14 instructions: the no-match return is the last one (index 13); a jf at i skips 12 - i.
    ins.push([0x28, 0, 0, 12], [0x15, 0, 11, 0x86dd], [0x30, 0, 0, 20], [0x15, 0, 9, VRRP_PROTO]);
    words.forEach((w, k) => {
      const i = 4 + 2 * k;
      ins.push([0x20, 0, 0, 22 + 4 * k], [0x15, 0, 12 - (i + 1), w]);
    });
    ins.push([0x06, 0, 0, SHOT], [0x06, 0, 0, UNSPEC]);
  } else throw new Error(`not an IP address: ${src}`);
  return `${ins.length},${ins.map((x) => x.join(' ')).join(',')}`;
}

/** The four 32-bit words of an IPv6 address (with :: expanded). */
export function ipv6Words(a: string): number[] {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) throw new Error(`bad IPv6 address ${a}`);
  const n = groups.map((g) => parseInt(g, 16));
  return [0, 1, 2, 3].map((i) => (n[2 * i] * 65536 + n[2 * i + 1]) >>> 0);
}

/** VRRP drops on the ports of one bridge namespace. */
export class VrrpDrops {
  readonly ns: string;
  #ready = new Set<string>();

  constructor(ns: string) {
    this.ns = ns;
  }

  /** Frames leaving `port` (towards its host) that carry VRRP from any of `srcs` are dropped. */
  block(port: string, srcs: string[]): void {
    if (!this.#ready.has(port)) {
      sh('tc', ['-n', this.ns, 'qdisc', 'replace', 'dev', port, 'clsact']);
      this.#ready.add(port);
    }
    for (const s of srcs) sh('tc', ['-n', this.ns, 'filter', 'add', 'dev', port, 'egress', 'bpf', 'da', 'bytecode', vrrpFromBytecode(s)]);
  }

  /** Removes every drop on `port`. */
  clear(port: string): void {
    if (this.#ready.has(port)) sh('tc', ['-n', this.ns, 'filter', 'del', 'dev', port, 'egress'], { allowFail: true });
  }

  /** The number of filters on `port`'s egress now (0 after clear()). */
  count(port: string): number {
    return sh('tc', ['-n', this.ns, 'filter', 'show', 'dev', port, 'egress'], { allowFail: true })
      .split('\n')
      .filter((l) => /\bhandle\b/.test(l)).length;
  }
}
