// Decoders for the blocks whose lines are not keywords but values with options:
// virtual_ipaddress / virtual_ipaddress_excluded lines, track_* lines and unicast_peer lines.
// Syntax per keepalived.conf(5) and keepalived/vrrp/vrrp_ipaddress.c (parse_ipaddress).
import type { ConfNode } from './ast.ts';
import type { Diagnostics } from './diagnostics.ts';
import { vipLineOptions, vipScopes } from './keywords.ts';
import type { UnicastPeer, Vip } from './model.ts';
import { ipFamily, readInt } from './values.ts';

const vipOptionArgs = new Map(vipLineOptions.map((o) => [o.word, o.args]));

/** `IP[/LEN] [brd IP|+|-] [dev IF] [scope S] [label L] [other options]`. */
export function parseVipLine(node: ConfNode, d: Diagnostics): Vip | undefined {
  const [addrText, lenText] = node.keyword.split('/', 2);
  const family = ipFamily(addrText);
  if (family === 0) {
    d.error(node, `invalid virtual IP address '${node.keyword}'`);
    return undefined;
  }
  const maxLen = family === 4 ? 32 : 128;
  let prefix = maxLen;
  if (lenText !== undefined) {
    const n = /^\d+$/.test(lenText) ? Number(lenText) : NaN;
    if (!(n >= 0 && n <= maxLen)) {
      d.error(node, `Invalid address prefix len ${lenText} for address ${node.keyword} - must be in [0, ${maxLen}]`);
      return undefined;
    }
    prefix = n;
  }
  const vip: Vip = { address: addrText, family, prefix, options: [], file: node.file, line: node.line };
  const a = node.args;
  for (let i = 0; i < a.length; i++) {
    const word = a[i];
    const nargs = vipOptionArgs.get(word);
    if (nargs === undefined) {
      d.error(node, `unknown option '${word}' for virtual IP ${node.keyword}`);
      return undefined;
    }
    const value = a[i + 1];
    if (nargs === 1 && value === undefined) {
      d.error(node, `option '${word}' for virtual IP ${node.keyword} needs a value`);
      return undefined;
    }
    switch (word) {
      case 'brd':
        if (value !== '+' && value !== '-' && ipFamily(value) !== 4) {
          d.error(node, `invalid broadcast address '${value}' for ${node.keyword}`);
          return undefined;
        }
        vip.brd = value;
        break;
      case 'dev':
        vip.dev = value;
        break;
      case 'label':
        vip.label = value;
        break;
      case 'scope':
        if (!(vipScopes as readonly string[]).includes(value) && !(/^\d+$/.test(value) && Number(value) <= 255)) {
          d.error(node, `Invalid scope '${value}' specified for ${node.keyword}`);
          return undefined;
        }
        vip.scope = value;
        break;
      default:
        vip.options.push(...a.slice(i, i + 1 + nargs));
    }
    i += nargs;
  }
  if (vip.brd !== undefined && family === 6) {
    d.error(node, `brd is only valid for IPv4 addresses (${node.keyword})`);
    return undefined;
  }
  return vip;
}

/** A tracker use before its defaults are resolved against the tracked object. */
export interface TrackUse {
  name: string;
  weight?: number;
  reverse?: boolean;
  file: string;
  line: number;
}

/**
 * `NAME [weight W] [reverse|noreverse]`. keepalived clamps |W| = limit+1 to the limit with a
 * warning ("weight for chk cannot be +/-254. Setting to +/-253") and rejects the rest.
 */
export function parseTrackLine(node: ConfNode, limit: number, d: Diagnostics): TrackUse | undefined {
  const use: TrackUse = { name: node.keyword, file: node.file, line: node.line };
  const a = node.args;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === 'weight') {
      const w = readInt(a[i + 1], `weight for ${node.keyword}`, -(limit + 1), limit + 1, node, d);
      if (w === undefined) return undefined;
      if (Math.abs(w) === limit + 1) {
        d.warn(node, `weight for ${node.keyword} cannot be +/-${limit + 1}. Setting to +/-${limit}`);
        use.weight = Math.sign(w) * limit;
      } else use.weight = w;
      i++;
    } else if (a[i] === 'reverse' || a[i] === 'noreverse') {
      use.reverse = a[i] === 'reverse';
    } else {
      d.error(node, `unknown option '${a[i]}' for tracked ${node.keyword}`);
      return undefined;
    }
  }
  return use;
}

/** `IP [min_ttl N] [max_ttl N]`; keepalived: "malformed unicast peer address[X]". */
export function parseUnicastPeerLine(node: ConfNode, d: Diagnostics): UnicastPeer | undefined {
  if (ipFamily(node.keyword) === 0) {
    d.error(node, `malformed unicast peer address[${node.keyword}]`);
    return undefined;
  }
  const peer: UnicastPeer = { address: node.keyword, file: node.file, line: node.line };
  const a = node.args;
  for (let i = 0; i < a.length; i += 2) {
    if (a[i] !== 'min_ttl' && a[i] !== 'max_ttl') {
      d.error(node, `unknown option '${a[i]}' for unicast peer ${node.keyword}`);
      return undefined;
    }
    const ttl = readInt(a[i + 1], a[i], 0, 255, node, d);
    if (ttl === undefined) return undefined;
    if (a[i] === 'min_ttl') peer.minTtl = ttl;
    else peer.maxTtl = ttl;
  }
  return peer;
}
