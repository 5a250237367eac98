// virtual_server_group blocks -> VirtualServerGroup.
import type { ConfNode } from './ast.ts';
import type { Diagnostics } from './diagnostics.ts';
import type { VirtualServerGroup, VsgMember } from './model.ts';
import { ipFamily, readInt, readPort } from './values.ts';

/**
 * virtual_server_group lines: `IP [PORT]`, `IP-RANGE [PORT]` (a.b.c.d-e or CIDR) and
 * `fwmark N [inet|inet6]`.
 */
export function buildVirtualServerGroup(node: ConfNode, d: Diagnostics): VirtualServerGroup {
  const g: VirtualServerGroup = { name: node.args[0], members: [], file: node.file, line: node.line };
  for (const c of node.children ?? []) {
    const m = vsgMember(c, d);
    if (m) g.members.push(m);
  }
  return g;
}

function vsgMember(c: ConfNode, d: Diagnostics): VsgMember | undefined {
  const at = { file: c.file, line: c.line };
  if (c.children !== null) {
    d.error(c, `Unknown keyword '${c.keyword}'`);
    return undefined;
  }
  if (c.keyword === 'fwmark') {
    const fwmark = readInt(c.args[0], 'fwmark', 1, 4294967295, c, d);
    const fam = c.args[1];
    if (fwmark === undefined) return undefined;
    if (fam !== undefined && fam !== 'inet' && fam !== 'inet6') {
      d.error(c, `fwmark ${fwmark}: unknown family '${fam}' (inet|inet6)`);
      return undefined;
    }
    return { kind: 'fwmark', fwmark, ...(fam ? { family: fam } : {}), ...at };
  }
  let port: number | undefined;
  if (c.args[0] !== undefined) {
    port = readPort(c.args[0], 'virtual_server_group port', c, d);
    if (port === undefined) return undefined;
  }
  if (c.args.length > 1) {
    d.error(c, `virtual_server_group entry '${c.keyword}': unexpected '${c.args[1]}'`);
    return undefined;
  }
  const text = c.keyword;
  if (ipFamily(text) !== 0) return { kind: 'address', address: text, ...(port !== undefined ? { port } : {}), ...at };
  const range = parseRange(text);
  if (!range) {
    d.error(c, `virtual_server_group: invalid address or range '${text}'`);
    return undefined;
  }
  return { kind: 'range', first: range[0], last: range[1], text, ...(port !== undefined ? { port } : {}), ...at };
}

/** `10.0.0.1-20` (last IPv4 octet / last IPv6 hextet) or a CIDR block. */
function parseRange(text: string): [string, string] | undefined {
  const dash = /^(.*[.:])([0-9a-fA-F]+)-([0-9a-fA-F]+)$/.exec(text);
  if (dash) {
    const first = dash[1] + dash[2];
    const fam = ipFamily(first);
    if (fam === 0) return undefined;
    const radix = fam === 4 ? 10 : 16;
    const lo = parseInt(dash[2], radix);
    const hi = parseInt(dash[3], radix);
    if (!(hi >= lo && hi <= (fam === 4 ? 255 : 0xffff))) return undefined;
    return [first, dash[1] + dash[3]];
  }
  const cidr = /^([^/]+)\/(\d+)$/.exec(text);
  if (cidr && ipFamily(cidr[1]) === 4 && Number(cidr[2]) <= 32) {
    const base = cidr[1].split('.').reduce((a, o) => a * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(cidr[2]));
    const lo = base - (base % size);
    const toIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
    return [toIp(lo), toIp(lo + size - 1)];
  }
  return undefined;
}
