// Reads the children of one block through the keyword table: splits multi-keyword lines,
// reports unknown keywords (keepalived: "Unknown keyword 'X'"), refuses the ones we do not
// support yet, maps deprecated spellings onto the current keyword with a warning, and decodes
// the scalar values straight into the model object's field named by the table.
import type { ConfNode } from './ast.ts';
import type { Diagnostics } from './diagnostics.ts';
import type { BlockKind, KeywordSpec } from './keywords.ts';
import { canonicalSpec, lookupKeyword } from './keywords.ts';
import type { KeptKeyword } from './model.ts';
import { arity, splitNode } from './split.ts';
import { readBool, readInt, readIp, readSecondsMs } from './values.ts';

export interface Item {
  /** The spec of the current spelling (aliases already followed). */
  spec: KeywordSpec;
  /** The keyword as written. */
  written: string;
  args: string[];
  children: ConfNode[] | null;
  file: string;
  line: number;
}

function opensBlock(spec: KeywordSpec): boolean {
  const v = spec.value;
  return v.type === 'block' || v.type === 'list' || v.type === 'lines' || (v.type === 'custom' && v.block === true);
}

/** Table-checked items of a block, in order. Problems are reported, bad items dropped. */
export function walkBlock(block: BlockKind, nodes: ConfNode[], d: Diagnostics): Item[] {
  const items: Item[] = [];
  for (const raw of nodes) {
    for (const node of splitNode(raw, block)) {
      const item = checkNode(block, node, d);
      if (item) items.push(item);
    }
  }
  return items;
}

function checkNode(block: BlockKind, node: ConfNode, d: Diagnostics): Item | undefined {
  const written = lookupKeyword(block, node.keyword);
  if (!written) {
    d.error(node, `Unknown keyword '${node.keyword}'`);
    return undefined;
  }
  if (written.status === 'not-supported-yet') {
    d.error(node, `'${node.keyword}' is not supported yet`);
    return undefined;
  }
  const spec = canonicalSpec(block, written);
  if (written.aliasOf) d.warn(node, `${node.keyword} is deprecated - please use '${written.aliasOf}'`);
  const [min, max] = arity(spec.value);
  if (opensBlock(spec) && node.children === null) {
    d.error(node, `'${node.keyword}' expects a block { ... }`);
    return undefined;
  }
  if (!opensBlock(spec) && node.children !== null) {
    d.error(node, `'${node.keyword}' does not open a block`);
    return undefined;
  }
  if (node.args.length < min) {
    d.error(node, `'${node.keyword}' is missing ${min === 1 ? 'its value' : `arguments (needs ${min})`}`);
    return undefined;
  }
  if (node.args.length > max) {
    // A password with a space would put its second word in the log: name it, do not print it.
    const extra = node.keyword === 'auth_pass' ? '***' : node.args[max];
    d.error(node, `'${node.keyword}' takes ${max === 0 ? 'no arguments' : `at most ${max} argument(s)`}: unexpected '${extra}'`);
    return undefined;
  }
  const v = spec.value;
  if (v.type === 'list' || v.type === 'lines' || (v.type === 'custom' && v.block === true)) {
    // Blocks of value lines (VIPs, peers, trackers, e-mails) hold no sub-blocks: report one
    // rather than drop it.
    const nested = (node.children ?? []).find((c) => c.children !== null);
    if (nested) {
      d.error(nested, `unexpected block after '${nested.keyword}' in '${node.keyword}'`);
      return undefined;
    }
  }
  return { spec, written: node.keyword, args: node.args, children: node.children, file: node.file, line: node.line };
}

/**
 * Decodes the scalar items (flag, int, seconds, string, words, ip, enum) into `target[field]`;
 * kept items go to `target.kept`. Returns the items left for the block's own handlers and the
 * set of keywords written explicitly (for defaults that depend on what the user set).
 */
export function applyScalars(items: Item[], target: object, d: Diagnostics): { rest: Item[]; explicit: Set<string> } {
  const t = target as Record<string, unknown>;
  const rest: Item[] = [];
  const explicit = new Set<string>();
  for (const item of items) {
    const v = item.spec.value;
    if ((item.spec.status === 'parsed-and-kept' || item.spec.keptWords) && item.spec.field === '') {
      const kept = (t.kept ??= []) as KeptKeyword[];
      kept.push({ keyword: item.spec.keyword, args: item.args, file: item.file, line: item.line });
      explicit.add(item.spec.keyword);
      continue;
    }
    const value = decodeScalar(item, d);
    if (value === NOT_SCALAR) {
      rest.push(item);
      continue;
    }
    if (value === undefined) continue;
    t[item.spec.field] = value;
    if (v.type === 'script' && a(item).length > 1) t[`${item.spec.field}User`] = a(item).slice(1);
    explicit.add(item.spec.keyword);
  }
  return { rest, explicit };
}

const NOT_SCALAR = Symbol('not scalar');
/** keepalived names some values in its messages ("VRID '0' not valid"); users grep for them. */
const LABELS: Record<string, string> = { virtual_router_id: 'virtual_router_id (VRID)' };
const a = (item: Item): string[] => item.args;

function decodeScalar(item: Item, d: Diagnostics): unknown {
  const v = item.spec.value;
  const kw = item.spec.keyword;
  const a = item.args;
  switch (v.type) {
    case 'flag':
      return readBool(a[0], kw, item, d);
    case 'int':
      return readInt(a[0], LABELS[kw] ?? kw, v.min, v.max, item, d);
    case 'seconds':
      return readSecondsMs(a[0], kw, v.min, v.max, item, d);
    case 'string':
      return a[0];
    case 'words':
      return a.join(' ');
    case 'script':
      // keepalived: `notify_master "CMD ARGS" [USER [GROUP]]`; the user lands in FIELDUser.
      return a[0];
    case 'ip':
      return readIp(a[0], kw, item, d);
    case 'enum':
      if (!v.values.includes(a[0])) {
        d.error(item, `${kw}: invalid value '${a[0]}' (expected ${v.values.join('|')})`);
        return undefined;
      }
      return a[0];
    default:
      return NOT_SCALAR;
  }
}

/** Words of a list block (notification_email, group): every word of every line. */
export function listWords(children: ConfNode[] | null): string[] {
  return (children ?? []).flatMap((c) => [c.keyword, ...c.args]);
}

/** Raw lines of a lines block (virtual_routes, static_ipaddress ...). */
export function rawLines(children: ConfNode[] | null): string[][] {
  return (children ?? []).map((c) => [c.keyword, ...c.args]);
}
