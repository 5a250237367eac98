// The normalised JSON view printed by `check-config --json`: keepalived's keywords as keys, effective
// values (defaults resolved), flags as booleans, numbers as numbers, TIMER values in seconds, value
// lists as arrays. Scalar keys come from the keyword table (keywords.ts), so the JSON keys and the
// compatibility list cannot drift apart.
//
// Secrets: auth_pass is printed as "***" when one is set (never the password itself), so a user can
// still see that authentication is configured.
import type { BlockKind } from './keywords.ts';
import { keywordTable } from './keywords.ts';
import type { Checker, KeptKeyword, Model, RealServer, TrackRef, Vip, VirtualServer, VrrpInstance, VsgMember } from './model.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const SCALARS = new Set(['flag', 'int', 'seconds', 'string', 'words', 'ip', 'enum', 'script']);

/** Every scalar keyword of `block` whose model field is set, in table order. */
function scalars(block: BlockKind, obj: object, skip: readonly string[] = []): JsonObject {
  const src = obj as Record<string, unknown>;
  const out: JsonObject = {};
  for (const spec of keywordTable[block]) {
    if (spec.aliasOf || spec.field === '' || !SCALARS.has(spec.value.type) || skip.includes(spec.keyword)) continue;
    const v = src[spec.field];
    if (v === undefined) continue;
    if (spec.value.type === 'script') {
      // The command line as the value; a `USER [GROUP]` written after it goes under KEYWORD_user.
      out[spec.keyword] = v as string;
      const user = src[`${spec.field}User`] as string[] | undefined;
      if (user) out[`${spec.keyword}_user`] = user.join(' ');
      continue;
    }
    out[spec.keyword] = spec.value.type === 'seconds' ? (v as number) / 1000 : (v as Json);
  }
  return out;
}

/** Kept niche keywords: bare ones as true, others as their words; repeated ones as an array. */
function keptJson(kept: KeptKeyword[]): JsonObject {
  const out: JsonObject = {};
  for (const k of kept) {
    const v: Json = k.args.length === 0 ? true : k.args.join(' ');
    const prev = out[k.keyword];
    out[k.keyword] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function tracks(refs: TrackRef[]): Json[] {
  return refs.map((r): JsonObject => (r.reverse ? { name: r.name, weight: r.weight, reverse: true } : { name: r.name, weight: r.weight }));
}

function vipJson(v: Vip, inst: VrrpInstance): JsonObject {
  const o: JsonObject = {
    address: v.address, prefix: v.prefix, dev: v.dev ?? inst.interface ?? null, label: v.label ?? null,
    scope: v.scope ?? 'global', brd: v.brd ?? null,
  };
  if (v.options.length > 0) o.options = v.options;
  return o;
}

function instanceJson(inst: VrrpInstance): JsonObject {
  const o: JsonObject = { name: inst.name, ...scalars('vrrp_instance', inst) };
  if (inst.authentication) {
    o.authentication = { auth_type: inst.authentication.type, ...(inst.authentication.pass ? { auth_pass: '***' } : {}) };
  }
  o.virtual_ipaddress = inst.virtualIpaddress.map((v) => vipJson(v, inst));
  if (inst.virtualIpaddressExcluded.length > 0) o.virtual_ipaddress_excluded = inst.virtualIpaddressExcluded.map((v) => vipJson(v, inst));
  o.unicast_peer = inst.unicastPeer.map((p) => p.address);
  if (inst.unicastPeer.some((p) => p.minTtl !== undefined || p.maxTtl !== undefined)) {
    o.unicast_peer_ttl = inst.unicastPeer.map((p) => ({ address: p.address, min_ttl: p.minTtl ?? null, max_ttl: p.maxTtl ?? null }));
  }
  o.track_interface = tracks(inst.trackInterfaces);
  o.track_script = tracks(inst.trackScripts);
  o.track_file = tracks(inst.trackFiles);
  if (inst.virtualRoutes.length > 0) o.virtual_routes = inst.virtualRoutes.map((l) => l.join(' '));
  if (inst.virtualRules.length > 0) o.virtual_rules = inst.virtualRules.map((l) => l.join(' '));
  if (inst.syncGroup !== undefined) o.sync_group = inst.syncGroup;
  return { ...o, ...keptJson(inst.kept) };
}

function checkerJson(c: Checker): JsonObject {
  const s = scalars(c.type, c);
  // DNS_CHECK's own `type` keyword (the query type) would collide with the checker's `type`
  // key, so it is printed as `dns_type`.
  if (c.type === 'DNS_CHECK') {
    s.dns_type = s.type;
    delete s.type;
  }
  const o: JsonObject = { type: c.type, ...s };
  if (c.user) o.user = c.user.join(' ');
  if (c.urls) {
    o.url = c.urls.map((u) => ({
      path: u.path,
      digest: u.digest ?? null,
      status_code: u.statusCode.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`)),
      ...(u.virtualhost !== undefined ? { virtualhost: u.virtualhost } : {}),
      ...keptJson(u.kept),
    }));
  }
  return { ...o, ...keptJson(c.kept) };
}

function realServerJson(rs: RealServer): JsonObject {
  return {
    address: rs.address,
    port: rs.port ?? null,
    ...scalars('real_server', rs, ['delay_loop', 'connect_timeout', 'retry', 'delay_before_retry', 'warmup', 'alpha']),
    checkers: rs.checkers.map(checkerJson),
    ...keptJson(rs.kept),
  };
}

function virtualServerJson(vs: VirtualServer): JsonObject {
  const o: JsonObject = {};
  if (vs.fwmark !== undefined) o.fwmark = vs.fwmark;
  else if (vs.group !== undefined) o.group = vs.group;
  else {
    o.address = vs.address ?? null;
    o.port = vs.port ?? null;
  }
  Object.assign(o, scalars('virtual_server', vs, ['lb_kind', 'connect_timeout', 'retry', 'delay_before_retry', 'warmup']));
  o.lb_kind = vs.tunnelOptions.length > 0 ? [vs.lbKind, ...vs.tunnelOptions].join(' ') : vs.lbKind;
  o.persistence_timeout = vs.persistenceTimeoutSec ?? null;
  o.sorry_server = vs.sorryServer ? { address: vs.sorryServer.address, port: vs.sorryServer.port ?? null } : null;
  o.real_servers = vs.realServers.map(realServerJson);
  return { ...o, ...keptJson(vs.kept) };
}

function memberJson(m: VsgMember): Json {
  if (m.kind === 'fwmark') return m.family ? `fwmark ${m.fwmark} ${m.family}` : `fwmark ${m.fwmark}`;
  const addr = m.kind === 'address' ? m.address : m.text;
  return m.port === undefined ? addr : `${addr} ${m.port}`;
}

export function modelToJson(model: Model): JsonObject {
  const g = model.globalDefs;
  const globals: JsonObject = { ...scalars('global_defs', g), notification_email: g.notificationEmail };
  if (g.smtpServer) globals.smtp_server = { address: g.smtpServer.host, port: g.smtpServer.port };
  if (g.scriptUser) globals.script_user = g.scriptUser.join(' ');
  if (g.lvsFlushOnStop !== undefined) globals.lvs_flush_on_stop = g.lvsFlushOnStop;
  if (g.dynamicInterfaces !== undefined) globals.dynamic_interfaces = g.dynamicInterfaces;
  Object.assign(globals, keptJson(g.kept));
  const out: JsonObject = {
    global_defs: globals,
    vrrp_scripts: model.vrrpScripts.map((s) => ({
      name: s.name, ...scalars('vrrp_script', s), weight: s.weight, reverse: s.weightReverse,
      ...(s.user ? { user: s.user.join(' ') } : {}),
    })),
    vrrp_track_files: model.trackFiles.map((f) => ({
      name: f.name, file: f.path, weight: f.weight, reverse: f.weightReverse,
      ...(f.initFile ? { init_file: { value: f.initFile.value, overwrite: f.initFile.overwrite } } : {}),
    })),
    vrrp_instances: model.vrrpInstances.map(instanceJson),
    vrrp_sync_groups: model.vrrpSyncGroups.map((sg) => ({
      name: sg.name, group: sg.group, ...scalars('vrrp_sync_group', sg),
      track_interface: tracks(sg.trackInterfaces), track_script: tracks(sg.trackScripts), track_file: tracks(sg.trackFiles),
    })),
    virtual_server_groups: model.virtualServerGroups.map((vg) => ({ name: vg.name, members: vg.members.map(memberJson) })),
    virtual_servers: model.virtualServers.map(virtualServerJson),
  };
  if (model.staticIpaddress.length > 0) out.static_ipaddress = model.staticIpaddress.map((l) => l.join(' '));
  if (model.staticRoutes.length > 0) out.static_routes = model.staticRoutes.map((l) => l.join(' '));
  if (model.staticRules.length > 0) out.static_rules = model.staticRules.map((l) => l.join(' '));
  if (model.ssl) out.SSL = keptJson(model.ssl.kept);
  return out;
}
