// ConfNode[] -> Model: reads every top-level block through the keyword table, then resolves the
// cross-block defaults (globals into instances, tracked objects into tracker uses, sync groups).
import type { ConfNode } from './ast.ts';
import { buildGlobalDefs, defaultGlobalDefs } from './build-global.ts';
import { buildVirtualServer } from './build-lvs.ts';
import { buildVirtualServerGroup } from './build-vsg.ts';
import type { RawInstance, RawSyncGroup } from './build-vrrp.ts';
import { buildSyncGroup, buildTrackFile, buildVrrpInstance, buildVrrpScript } from './build-vrrp.ts';
import type { Diagnostics, Place } from './diagnostics.ts';
import { parseRouteLine, parseRuleLine } from './lines-route.ts';
import type { Model, TrackFile, VrrpInstance, VrrpScript } from './model.ts';
import { resolveVirtualServer } from './resolve-lvs.ts';
import { resolveInstance, resolveSyncGroup } from './resolve-vrrp.ts';
import { dropWeightedTrackers } from './rules-vrrp.ts';
import { rawLines, walkBlock } from './walk.ts';

/** Where each instance's keywords were written, for validation messages (model stays plain data). */
export type KeywordPlaces = WeakMap<object, Map<string, Place>>;

export function buildModel(nodes: ConfNode[], d: Diagnostics, places: KeywordPlaces = new WeakMap()): Model {
  const model: Model = {
    globalDefs: defaultGlobalDefs(), vrrpScripts: [], trackFiles: [], vrrpInstances: [], vrrpSyncGroups: [],
    virtualServerGroups: [], virtualServers: [], staticIpaddress: [], staticRoutes: [], staticRules: [],
  };
  const items = walkBlock('root', nodes, d);
  // global_defs first wherever it is written: instances take their defaults from it.
  for (const item of items) if (item.spec.keyword === 'global_defs') buildGlobalDefs(item.children ?? [], model.globalDefs, d);

  const scripts = new Map<string, VrrpScript>();
  const files = new Map<string, TrackFile>();
  const rawInstances: RawInstance[] = [];
  const rawGroups: RawSyncGroup[] = [];
  const seen = new Map<string, Set<string>>();
  const fresh = (kind: string, name: string, at: Place): boolean => {
    const names = seen.get(kind) ?? new Set<string>();
    seen.set(kind, names);
    if (names.has(name)) {
      d.error(at, `${kind} ${name} already defined`);
      return false;
    }
    names.add(name);
    return true;
  };
  for (const item of items) {
    const node: ConfNode = { keyword: item.spec.keyword, args: item.args, children: item.children, file: item.file, line: item.line };
    switch (item.spec.keyword) {
      case 'vrrp_script': {
        const s = fresh('vrrp_script', item.args[0], item) ? buildVrrpScript(node, d) : undefined;
        if (s) scripts.set(s.name, s);
        break;
      }
      case 'track_file': {
        const f = fresh('track_file', item.args[0], item) ? buildTrackFile(node, d) : undefined;
        if (f) files.set(f.name, f);
        break;
      }
      case 'vrrp_instance':
        if (fresh('vrrp instance', item.args[0], item)) rawInstances.push(buildVrrpInstance(node, d));
        break;
      case 'vrrp_sync_group':
        if (fresh('vrrp_sync_group', item.args[0], item)) rawGroups.push(buildSyncGroup(node, d));
        break;
      case 'virtual_server_group':
        if (fresh('virtual_server_group', item.args[0], item)) model.virtualServerGroups.push(buildVirtualServerGroup(node, d));
        break;
      case 'virtual_server': {
        const vs = buildVirtualServer(node, d, places);
        if (vs) model.virtualServers.push(vs);
        break;
      }
      case 'static_ipaddress':
        model.staticIpaddress.push(...rawLines(item.children));
        break;
      case 'static_routes':
        model.staticRoutes.push(...rawLines(item.children));
        model.staticRouteList = [...(model.staticRouteList ?? []), ...(item.children ?? []).flatMap((c) => parseRouteLine(c, d, 'static route') ?? [])];
        break;
      case 'static_rules':
        model.staticRules.push(...rawLines(item.children));
        model.staticRuleList = [...(model.staticRuleList ?? []), ...(item.children ?? []).flatMap((c) => parseRuleLine(c, d, 'static rule') ?? [])];
        break;
      case 'SSL': {
        const ssl = { kept: [] };
        walkBlock('SSL', item.children ?? [], d).forEach((i) => ssl.kept.push({ keyword: i.spec.keyword, args: i.args, file: i.file, line: i.line } as never));
        model.ssl = ssl;
        break;
      }
    }
  }
  model.vrrpScripts = [...scripts.values()];
  model.trackFiles = [...files.values()];
  const trackables = { scripts, files };
  const byName = new Map<string, VrrpInstance>();
  for (const raw of rawInstances) {
    const inst = resolveInstance(raw, model.globalDefs, trackables, d);
    places.set(inst, raw.pending.lines);
    byName.set(inst.name, inst);
    model.vrrpInstances.push(inst);
  }
  for (const raw of rawGroups) {
    const g = resolveSyncGroup(raw, byName, trackables, d);
    if (g) model.vrrpSyncGroups.push(g);
  }
  const groups = new Map(model.vrrpSyncGroups.map((g) => [g.name, g]));
  for (const inst of model.vrrpInstances) {
    const group = inst.syncGroup === undefined ? undefined : groups.get(inst.syncGroup);
    dropWeightedTrackers(inst, group, d);
    // vrrp.c: notify_priority_changes comes from the instance, else its sync group, else global.
    const groupSet = group && rawGroups.find((r) => r.group === group)?.pending.explicit.has('notify_priority_changes');
    if (group && groupSet && !places.get(inst)?.has('notify_priority_changes')) inst.notifyPriorityChanges = group.notifyPriorityChanges;
  }
  const vsGroups = new Map(model.virtualServerGroups.map((g) => [g.name, g]));
  for (const vs of model.virtualServers) resolveVirtualServer(vs, model.globalDefs, vsGroups, d, places.get(vs));
  return model;
}
