// vrrp_script, track_file, vrrp_instance and vrrp_sync_group blocks -> model objects with
// keepalived's defaults. Defaults that depend on global_defs or on other blocks (tracker
// weights, versions, GARP values) are resolved later in resolve-vrrp.ts, once everything is read.
import type { ConfNode } from './ast.ts';
import type { Diagnostics, Place } from './diagnostics.ts';
import type { TrackUse } from './lines.ts';
import { parseTrackLine, parseUnicastPeerLine, parseVipLine } from './lines.ts';
import { parseRouteLine, parseRuleLine } from './lines-route.ts';
import type { Authentication, TrackFile, Vip, VrrpInstance, VrrpScript, VrrpSyncGroup } from './model.ts';
import { readInt } from './values.ts';
import type { Item } from './walk.ts';
import { applyScalars, listWords, rawLines, walkBlock } from './walk.ts';

/** Tracker uses and explicitly written keywords, kept aside until resolution. */
export interface Pending {
  explicit: Set<string>;
  trackInterfaces: TrackUse[];
  trackScripts: TrackUse[];
  trackFiles: TrackUse[];
  /** Where each keyword was written, so later rules can name its line. */
  lines: Map<string, Place>;
}

function pendingFrom(items: Item[], explicit: Set<string>): Pending {
  const lines = new Map<string, Place>();
  for (const i of items) lines.set(i.spec.keyword, { file: i.file, line: i.line });
  return { explicit, trackInterfaces: [], trackScripts: [], trackFiles: [], lines };
}

/** vrrp_script defaults: keepalived/include/vrrp_track.h (interval 1 s, weight 0, rise/fall 1). */
export function buildVrrpScript(node: ConfNode, d: Diagnostics): VrrpScript | undefined {
  const s: VrrpScript = {
    name: node.args[0], script: '', intervalMs: 1000, timeoutMs: NaN, weight: 0, weightReverse: false,
    rise: 1, fall: 1, initFail: false, file: node.file, line: node.line,
  };
  const { rest, explicit } = applyScalars(walkBlock('vrrp_script', node.children ?? [], d), s, d);
  for (const item of rest) {
    if (item.spec.keyword === 'weight') readWeight(item, s, d);
    else if (item.spec.keyword === 'user') s.user = item.args;
  }
  if (!explicit.has('script')) {
    d.error(node, `vrrp_script ${s.name}: no script specified`);
    return undefined;
  }
  if (!explicit.has('timeout')) s.timeoutMs = s.intervalMs;
  return s;
}

function readWeight(item: Item, target: { weight: number; weightReverse: boolean }, d: Diagnostics): void {
  const v = item.spec.value;
  if (v.type !== 'weight') return;
  const w = readInt(item.args[0], 'weight', v.min, v.max, item, d);
  if (w === undefined) return;
  target.weight = w;
  const r = item.args[1];
  if (r !== undefined && r !== 'reverse' && r !== 'noreverse') {
    d.error(item, `weight: unknown option '${r}'`);
    return;
  }
  target.weightReverse = r === 'reverse';
}

/** track_file defaults: weight 1 (keepalived.conf(5)). */
export function buildTrackFile(node: ConfNode, d: Diagnostics): TrackFile | undefined {
  const t: TrackFile = { name: node.args[0], path: '', weight: 1, weightReverse: false, file: node.file, line: node.line };
  const { rest, explicit } = applyScalars(walkBlock('track_file', node.children ?? [], d), t, d);
  for (const item of rest) {
    if (item.spec.keyword === 'weight') readWeight(item, t, d);
    else if (item.spec.keyword === 'init_file') {
      const first = item.args[0];
      const value = first !== undefined && first !== 'overwrite' ? readInt(first, 'init_file', -2147483648, 2147483647, item, d) : 0;
      if (value !== undefined) t.initFile = { value, overwrite: item.args.includes('overwrite') };
    }
  }
  if (!explicit.has('file')) {
    d.error(node, `track_file ${t.name}: no file specified`);
    return undefined;
  }
  return t;
}

/** An instance as written: scalar fields present only when written, plus pending trackers. */
export interface RawInstance {
  fields: Partial<VrrpInstance> & { name: string; file: string; line: number; kept: VrrpInstance['kept'] };
  vips: Vip[];
  excludedVips: Vip[];
  pending: Pending;
}

export function buildVrrpInstance(node: ConfNode, d: Diagnostics): RawInstance {
  const fields: RawInstance['fields'] = { name: node.args[0], file: node.file, line: node.line, kept: [] };
  const items = walkBlock('vrrp_instance', node.children ?? [], d);
  const { rest, explicit } = applyScalars(items, fields, d);
  const raw: RawInstance = { fields, vips: [], excludedVips: [], pending: pendingFrom(items, explicit) };
  for (const item of rest) {
    const children = item.children ?? [];
    switch (item.spec.keyword) {
      case 'authentication':
        fields.authentication = buildAuthentication(item, d);
        break;
      case 'virtual_ipaddress':
        raw.vips.push(...vipLines(children, d));
        break;
      case 'virtual_ipaddress_excluded':
        raw.excludedVips.push(...vipLines(children, d));
        break;
      case 'virtual_routes':
        fields.virtualRoutes = [...(fields.virtualRoutes ?? []), ...rawLines(children)];
        fields.routes = [...(fields.routes ?? []), ...defined(children.map((c) => parseRouteLine(c, d)))];
        break;
      case 'virtual_rules':
        fields.virtualRules = [...(fields.virtualRules ?? []), ...rawLines(children)];
        fields.rules = [...(fields.rules ?? []), ...defined(children.map((c) => parseRuleLine(c, d)))];
        break;
      case 'unicast_peer':
        fields.unicastPeer = [...(fields.unicastPeer ?? []), ...defined(children.map((c) => parseUnicastPeerLine(c, d)))];
        break;
      default:
        readTrackBlock(item, raw.pending, d);
    }
  }
  return raw;
}

/** track_interface / track_script / track_file blocks (instances and sync groups alike). */
function readTrackBlock(item: Item, pending: Pending, d: Diagnostics): void {
  const children = item.children ?? [];
  switch (item.spec.keyword) {
    case 'track_interface':
      pending.trackInterfaces.push(...defined(children.map((c) => parseTrackLine(c, 253, d))));
      break;
    case 'track_script':
      pending.trackScripts.push(...defined(children.map((c) => parseTrackLine(c, 253, d))));
      break;
    case 'track_file':
      pending.trackFiles.push(...defined(children.map((c) => parseTrackLine(c, 254, d))));
      break;
  }
}

function vipLines(children: ConfNode[], d: Diagnostics): Vip[] {
  return defined(children.map((c) => parseVipLine(c, d)));
}

function defined<T>(xs: (T | undefined)[]): T[] {
  return xs.filter((x): x is T => x !== undefined);
}

/** keepalived truncates auth_pass to 8 characters ("Truncating auth_pass to 8 characters"). */
function buildAuthentication(block: Item, d: Diagnostics): Authentication | undefined {
  const a: { type?: 'PASS' | 'AH'; pass?: string } = {};
  const items = walkBlock('authentication', block.children ?? [], d);
  const { explicit } = applyScalars(items, a, d);
  const passItem = items.find((c) => c.spec.keyword === 'auth_pass');
  if (a.pass !== undefined && a.pass.length > 8) {
    if (passItem) d.warn(passItem, 'Truncating auth_pass to 8 characters');
    a.pass = a.pass.slice(0, 8);
  }
  if (!explicit.has('auth_type')) {
    if (items.length > 0) d.error(block, 'authentication block has no auth_type (PASS or AH)');
    return undefined;
  }
  return { type: a.type ?? 'PASS', pass: a.pass };
}

export interface RawSyncGroup {
  group: VrrpSyncGroup;
  pending: Pending;
  /** Line of the `group` keyword, for membership errors. */
  groupLines: Map<string, Place>;
}

export function buildSyncGroup(node: ConfNode, d: Diagnostics): RawSyncGroup {
  const g: VrrpSyncGroup = {
    name: node.args[0], group: [], trackInterfaces: [], trackScripts: [], trackFiles: [], smtpAlert: false,
    notifyPriorityChanges: false, syncGroupTrackingWeight: false, file: node.file, line: node.line,
  };
  const items = walkBlock('vrrp_sync_group', node.children ?? [], d);
  const { rest, explicit } = applyScalars(items, g, d);
  const raw: RawSyncGroup = { group: g, pending: pendingFrom(items, explicit), groupLines: new Map() };
  for (const item of rest) {
    if (item.spec.keyword === 'group') {
      for (const c of item.children ?? []) {
        for (const name of [c.keyword, ...c.args]) raw.groupLines.set(name, { file: c.file, line: c.line });
      }
      g.group.push(...listWords(item.children));
    } else readTrackBlock(item, raw.pending, d);
  }
  return raw;
}
