// keepalived accepts several keywords on one line inside a block, e.g.
// `HTTP_GET { url { path / status_code 200 } connect_timeout 1 retry 0 }`. The parser cannot
// know arities, so it hands us one node per line segment (`path` with args `/ status_code 200`).
// Here the keyword table's arities cut such a node into one node per keyword: once a keyword has
// the words it needs, a following word that is a keyword of the same block starts a new one.
import type { ConfNode } from './ast.ts';
import type { BlockKind, ValueKind } from './keywords.ts';
import { isKeyword, lookupKeyword } from './keywords.ts';
import { isBoolWord } from './values.ts';

/** Minimum and maximum words a value kind takes. */
export function arity(kind: ValueKind): [number, number] {
  switch (kind.type) {
    case 'flag':
      return [0, 1];
    case 'int':
    case 'seconds':
    case 'string':
    case 'ip':
    case 'enum':
      return [1, 1];
    case 'weight':
      return [1, 2];
    case 'words':
      return [1, Infinity];
    case 'script':
      return [1, 3];
    case 'list':
    case 'lines':
      return [0, 0];
    case 'block':
    case 'custom':
      return [kind.args[0], kind.args[1]];
  }
}

/** How many of `args` (from `start`) belong to a keyword of this kind. */
function wordsTaken(kind: ValueKind, args: string[], start: number, block: BlockKind): number {
  const left = args.length - start;
  if (kind.type === 'flag') return isBoolWord(args[start]) ? 1 : 0;
  if (kind.type === 'weight') {
    const w = args[start + 1];
    return Math.min(left, w === 'reverse' || w === 'noreverse' ? 2 : 1);
  }
  const [min, max] = arity(kind);
  let n = Math.min(min, left);
  while (n < max && start + n < args.length && !isKeyword(block, args[start + n])) n++;
  return n;
}

/**
 * Cuts one node into the keywords it holds. Nodes that open a block are never cut (their
 * words all belong to the opening keyword). Unknown keywords are left whole for the caller
 * to report.
 */
export function splitNode(node: ConfNode, block: BlockKind): ConfNode[] {
  if (node.children !== null) return [node];
  const out: ConfNode[] = [];
  let keyword = node.keyword;
  let rest = node.args;
  for (;;) {
    const spec = lookupKeyword(block, keyword);
    if (!spec) {
      out.push({ ...node, keyword, args: rest });
      return out;
    }
    const n = wordsTaken(spec.value, rest, 0, block);
    // A leftover word that is no keyword of this block stays with the keyword, so the arity
    // check names the keyword ("'priority' takes at most 1 argument(s): unexpected '200'").
    if (n >= rest.length || !isKeyword(block, rest[n])) {
      out.push({ ...node, keyword, args: rest });
      return out;
    }
    out.push({ ...node, keyword, args: rest.slice(0, n) });
    keyword = rest[n];
    rest = rest.slice(n + 1);
  }
}
