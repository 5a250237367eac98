// Decoders for virtual_routes and virtual_rules lines. The syntax is keepalived.conf(5)'s, a subset
// of iproute2's (keepalived/vrrp/vrrp_iproute.c and vrrp_iprule.c parse the same words):
//   routes: [blackhole|unreachable|prohibit|throw] [src IP] [to] PREFIX|default [via|gw IP]
//           [dev IF] [table N|main|local|default] [metric|priority|preference N] [scope S] [no_track]
//   rules:  [from PREFIX|all] [to PREFIX|all] [table N | blackhole|unreachable|prohibit|nop]
//           [priority|preference|pref|order N] [iif IF] [oif IF] [fwmark N[/MASK]] [no_track]
// Anything else keepalived knows there (multipath `or`/`nexthop`, mtu, realms, uid ranges, ...)
// is refused at its line as not supported yet rather than dropped.
import type { ConfNode } from './ast.ts';
import type { Diagnostics } from './diagnostics.ts';
import type { VirtualRoute, VirtualRule } from './model.ts';
import { ipFamily } from './values.ts';

const TABLE_NAMES: Record<string, number> = { main: 254, local: 255, default: 253 };
const ROUTE_TYPES = ['unicast', 'blackhole', 'unreachable', 'prohibit', 'throw'] as const;
const RULE_ACTIONS = ['blackhole', 'unreachable', 'prohibit', 'nop'] as const;
const SCOPES = ['global', 'universe', 'site', 'link', 'host', 'nowhere'];
const RULE_VALUE_OPTIONS = new Set(['from', 'to', 'table', 'lookup', 'priority', 'preference', 'pref', 'order', 'iif', 'oif', 'fwmark']);

type Prefix = { address: string; prefix: number; family: 4 | 6 };

function prefixOf(text: string): Prefix | undefined {
  const [addr, len] = text.split('/', 2);
  const family = ipFamily(addr);
  if (family === 0) return undefined;
  const max = family === 4 ? 32 : 128;
  if (len === undefined) return { address: addr, prefix: max, family };
  if (!/^\d+$/.test(len) || Number(len) > max) return undefined;
  return { address: addr, prefix: Number(len), family };
}

function u32Of(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : undefined;
}

function tableOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = TABLE_NAMES[text] ?? u32Of(text);
  return n !== undefined && n > 0 ? n : undefined;
}

/** One virtual_routes line; undefined (with an error at the line) when it cannot be used. */
export function parseRouteLine(node: ConfNode, d: Diagnostics, what = 'virtual route'): VirtualRoute | undefined {
  const words = [node.keyword, ...node.args];
  const text = words.join(' ');
  const fail = (why: string): undefined => {
    d.error(node, `${what} '${text}': ${why}`);
    return undefined;
  };
  const r: Partial<VirtualRoute> & { noTrack: boolean } = { noTrack: false };
  let type: VirtualRoute['type'] = 'unicast';
  let dst: Prefix | undefined;
  let isDefault = false;
  const addrFamilies: (4 | 6)[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const v = words[i + 1];
    const needValue = (): string | undefined => {
      if (v === undefined) fail(`'${w}' needs a value`);
      i++;
      return v;
    };
    switch (w) {
      case 'src':
      case 'via':
      case 'gw': {
        const a = needValue();
        if (a === undefined) return undefined;
        const fam = ipFamily(a);
        if (fam === 0) return fail(`invalid ${w} address '${a}'`);
        addrFamilies.push(fam);
        if (w === 'src') r.src = a;
        else r.via = a;
        break;
      }
      case 'dev': {
        const a = needValue();
        if (a === undefined) return undefined;
        r.dev = a;
        break;
      }
      case 'table': {
        const a = needValue();
        if (a === undefined) return undefined;
        const t = tableOf(a);
        if (t === undefined) return fail(`invalid table '${a}'`);
        r.table = t;
        break;
      }
      case 'metric':
      case 'priority':
      case 'preference': {
        const a = needValue();
        if (a === undefined) return undefined;
        const m = u32Of(a);
        if (m === undefined) return fail(`invalid metric '${a}'`);
        r.metric = m;
        break;
      }
      case 'scope': {
        const a = needValue();
        if (a === undefined) return undefined;
        if (!SCOPES.includes(a) && !(/^\d+$/.test(a) && Number(a) <= 255)) return fail(`invalid scope '${a}'`);
        r.scope = a === 'universe' ? 'global' : a;
        break;
      }
      case 'no_track':
        r.noTrack = true;
        break;
      case 'to':
        break; // the prefix follows
      default:
        if ((ROUTE_TYPES as readonly string[]).includes(w) && dst === undefined && !isDefault) {
          type = w as VirtualRoute['type'];
          break;
        }
        if (dst === undefined && !isDefault) {
          if (w === 'default') {
            isDefault = true;
            break;
          }
          const p = prefixOf(w);
          if (p) {
            dst = p;
            break;
          }
          if (ipFamily(w.split('/')[0]) !== 0) return fail(`invalid destination prefix '${w}'`);
        }
        return fail(`'${w}' is not supported yet (or not a route option)`);
    }
  }
  if (!dst && !isDefault) return fail('no destination prefix');
  const family = dst?.family ?? addrFamilies[0] ?? 4;
  if (addrFamilies.some((f) => f !== family)) return fail('addresses of different families');
  if (type === 'unicast' && r.via === undefined && r.dev === undefined) return fail('a unicast route needs via or dev');
  if (type !== 'unicast' && r.via !== undefined) return fail(`a ${type} route has no next hop`);
  return {
    family,
    type,
    dst: dst ? dst.address : family === 4 ? '0.0.0.0' : '::',
    dstLen: dst ? dst.prefix : 0,
    ...(r.src !== undefined ? { src: r.src } : {}),
    ...(r.via !== undefined ? { via: r.via } : {}),
    ...(r.dev !== undefined ? { dev: r.dev } : {}),
    ...(r.table !== undefined ? { table: r.table } : {}),
    ...(r.metric !== undefined ? { metric: r.metric } : {}),
    ...(r.scope !== undefined ? { scope: r.scope } : {}),
    noTrack: r.noTrack,
    file: node.file,
    line: node.line,
  };
}

/** One virtual_rules line; undefined (with an error at the line) when it cannot be used. */
export function parseRuleLine(node: ConfNode, d: Diagnostics, what = 'virtual rule'): VirtualRule | undefined {
  const words = [node.keyword, ...node.args];
  const text = words.join(' ');
  const fail = (why: string): undefined => {
    d.error(node, `${what} '${text}': ${why}`);
    return undefined;
  };
  const r: VirtualRule = { family: 4, action: 'table', noTrack: false, file: node.file, line: node.line };
  const families: (4 | 6)[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === 'no_track') {
      r.noTrack = true;
      continue;
    }
    if ((RULE_ACTIONS as readonly string[]).includes(w)) {
      r.action = w as VirtualRule['action'];
      continue;
    }
    if (!RULE_VALUE_OPTIONS.has(w)) return fail(`'${w}' is not supported yet (or not a rule option)`);
    const v = words[++i];
    if (v === undefined) return fail(`'${w}' needs a value`);
    switch (w) {
      case 'from':
      case 'to': {
        if (v === 'all') break;
        const p = prefixOf(v);
        if (!p) return fail(`invalid ${w} prefix '${v}'`);
        families.push(p.family);
        r[w] = { address: p.address, prefix: p.prefix };
        break;
      }
      case 'table':
      case 'lookup': {
        const t = tableOf(v);
        if (t === undefined) return fail(`invalid table '${v}'`);
        r.table = t;
        break;
      }
      case 'priority':
      case 'preference':
      case 'pref':
      case 'order': {
        const n = u32Of(v);
        if (n === undefined) return fail(`invalid priority '${v}'`);
        r.priority = n;
        break;
      }
      case 'iif':
      case 'oif':
        r[w] = v;
        break;
      case 'fwmark': {
        const [m, mask] = v.split('/', 2);
        const mark = u32Of(m);
        const mk = mask === undefined ? undefined : u32Of(mask);
        if (mark === undefined || (mask !== undefined && mk === undefined)) return fail(`invalid fwmark '${v}'`);
        r.fwmark = mark;
        if (mk !== undefined) r.fwmask = mk;
        break;
      }
    }
  }
  if (families.some((f) => f !== families[0])) return fail('from and to of different families');
  r.family = families[0] ?? 4;
  if (r.action === 'table' && r.table === undefined) return fail('no table (or blackhole/unreachable/prohibit/nop) given');
  if (r.action !== 'table' && r.table !== undefined) return fail(`a ${r.action} rule has no table`);
  return r;
}
