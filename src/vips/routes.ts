// virtual_routes and virtual_rules through rtnetlink (RTM_NEWROUTE / RTM_DELROUTE, RTM_NEWRULE /
// RTM_DELRULE), never `ip`. keepalived adds them when an instance becomes MASTER, after its VIPs
// (a route may name a VIP as `src`), and removes them before the VIPs when it leaves MASTER
// (vrrp.c vrrp_state_become_master / vrrp_restore_interface); so do we.
//
// Both directions are idempotent, as for VIPs: adding what is already there (EEXIST) and deleting
// what is gone (ESRCH / ENOENT, or the device vanished) are successes.
//
// Every route and rule we add carries protocol KATS_ROUTE_PROTO (rtm_protocol / FRA_PROTOCOL;
// `ip route` shows `proto 112`), as our VIPs carry IFA_PROTO 112: a later run removes what a
// crashed run of ours left (leftoverRoutes / leftoverRules). keepalived marks its own with
// RTPROT_KEEPALIVED (18), so a keepalived on the same host is never touched.
import { parseIp, formatIp } from '../vrrp/addr.ts';
import { AF_INET, AF_INET6 } from '../native/constants.ts';
import type { NetlinkRequester } from '../netlink/socket.ts';
import { NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL } from '../netlink/message.ts';
import { isNetlinkError } from '../netlink/errors.ts';
import { SCOPE_NAMES } from '../netlink/route-addr.ts';
import {
  decodeRoute, encodeGetRoutes, encodeRoute, formatRoute, ROUTE_TYPES, routeSpecOf, RTM_DELROUTE, RTM_GETROUTE, RTM_NEWROUTE,
} from '../netlink/route-route.ts';
import type { RouteInfo, RouteSpec } from '../netlink/route-route.ts';
import { decodeRule, encodeGetRules, encodeRule, RULE_ACTIONS, ruleSpecOf, RTM_DELRULE, RTM_GETRULE, RTM_NEWRULE } from '../netlink/route-rule.ts';
import type { RuleInfo, RuleSpec } from '../netlink/route-rule.ts';
import type { VirtualRoute, VirtualRule } from '../config/model.ts';

/** rtm_protocol / FRA_PROTOCOL of what keepalived-ts adds (the VRRP protocol number, as for VIPs). */
export const KATS_ROUTE_PROTO = 112;

export interface ResolvedRoute {
  spec: RouteSpec;
  /** `ip route` style text for log lines. */
  text: string;
}

export interface ResolvedRule {
  spec: RuleSpec;
  text: string;
}

/** A configured route against the current interfaces; a string says why it cannot be used now. */
export function resolveRoute(r: VirtualRoute, ifindexOf: (name: string) => number | undefined): ResolvedRoute | string {
  const dst = parseIp(r.dst);
  if (!dst) return `bad route destination ${r.dst}`;
  let oif: number | undefined;
  if (r.dev !== undefined) {
    oif = ifindexOf(r.dev);
    if (oif === undefined) return `route ${r.dst}/${r.dstLen}: interface ${r.dev} does not exist`;
  }
  const scope = r.scope === undefined ? undefined : (SCOPE_NAMES[r.scope] ?? Number(r.scope));
  const spec: RouteSpec = {
    family: r.family === 6 ? AF_INET6 : AF_INET,
    dst,
    dstLen: r.dstLen,
    type: ROUTE_TYPES[r.type],
    table: r.table,
    protocol: KATS_ROUTE_PROTO,
    scope,
    prefsrc: r.src !== undefined ? parseIp(r.src) : undefined,
    gateway: r.via !== undefined ? parseIp(r.via) : undefined,
    oif,
    metric: r.metric,
  };
  return { spec, text: formatRoute({ ...spec, dev: r.dev }) };
}

export function resolveRule(r: VirtualRule): ResolvedRule | string {
  const pfx = (p: { address: string; prefix: number } | undefined) => {
    if (!p) return undefined;
    const addr = parseIp(p.address);
    return addr ? { addr, len: p.prefix } : null;
  };
  const src = pfx(r.from);
  const dst = pfx(r.to);
  if (src === null || dst === null) return 'bad rule prefix';
  const spec: RuleSpec = {
    family: r.family === 6 ? AF_INET6 : AF_INET,
    src,
    dst,
    table: r.table,
    action: r.action === 'table' ? undefined : RULE_ACTIONS[r.action],
    priority: r.priority,
    iifname: r.iif,
    oifname: r.oif,
    fwmark: r.fwmark,
    fwmask: r.fwmask,
    protocol: KATS_ROUTE_PROTO,
  };
  return { spec, text: ruleText(r) };
}

function ruleText(r: VirtualRule): string {
  const p = (x: { address: string; prefix: number } | undefined) => (x ? `${x.address}/${x.prefix}` : 'all');
  const parts = [`from ${p(r.from)}`];
  if (r.to) parts.push(`to ${p(r.to)}`);
  if (r.iif) parts.push(`iif ${r.iif}`);
  if (r.oif) parts.push(`oif ${r.oif}`);
  if (r.fwmark !== undefined) parts.push(`fwmark ${r.fwmark}${r.fwmask !== undefined ? `/${r.fwmask}` : ''}`);
  parts.push(r.action === 'table' ? `lookup ${r.table}` : r.action);
  if (r.priority !== undefined) parts.unshift(`${r.priority}:`);
  return parts.join(' ');
}

/** Which errors mean "already in the wanted state". */
const ADD_OK = ['EEXIST'];
const DEL_OK = ['ESRCH', 'ENOENT', 'ENODEV', 'EADDRNOTAVAIL'];

function okFor(e: Error, codes: readonly string[]): boolean {
  return codes.some((c) => isNetlinkError(e, c));
}

/** Routes and rules of one instance, added or removed in one netlink batch each. */
export class RouteManager {
  readonly sock: NetlinkRequester;

  constructor(sock: NetlinkRequester) {
    this.sock = sock;
  }

  /** Adds routes then rules (a rule may point at a table the routes fill); error lines out. */
  async add(routes: readonly ResolvedRoute[], rules: readonly ResolvedRule[]): Promise<string[]> {
    const errors: string[] = [];
    if (routes.length > 0) {
      const res = await this.sock.requestMany(routes.map((r) => ({ type: RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_EXCL, payload: encodeRoute(r.spec) })));
      res.forEach((x, i) => {
        if (!x.ok && !okFor(x.error, ADD_OK)) errors.push(`cannot add route ${routes[i].text}: ${x.error.message}`);
      });
    }
    if (rules.length > 0) {
      const res = await this.sock.requestMany(rules.map((r) => ({ type: RTM_NEWRULE, flags: NLM_F_CREATE | NLM_F_EXCL, payload: encodeRule(r.spec) })));
      res.forEach((x, i) => {
        if (!x.ok && !okFor(x.error, ADD_OK)) errors.push(`cannot add rule ${rules[i].text}: ${x.error.message}`);
      });
    }
    return errors;
  }

  /** Removes rules then routes (the reverse order); error lines out. */
  async remove(routes: readonly ResolvedRoute[], rules: readonly ResolvedRule[]): Promise<string[]> {
    const errors: string[] = [];
    if (rules.length > 0) {
      const res = await this.sock.requestMany(rules.map((r) => ({ type: RTM_DELRULE, flags: 0, payload: encodeRule(r.spec, true) })));
      res.forEach((x, i) => {
        if (!x.ok && !okFor(x.error, DEL_OK)) errors.push(`cannot remove rule ${rules[i].text}: ${x.error.message}`);
      });
    }
    if (routes.length > 0) {
      const res = await this.sock.requestMany(routes.map((r) => ({ type: RTM_DELROUTE, flags: 0, payload: encodeRoute(r.spec, true) })));
      res.forEach((x, i) => {
        if (!x.ok && !okFor(x.error, DEL_OK)) errors.push(`cannot remove route ${routes[i].text}: ${x.error.message}`);
      });
    }
    return errors;
  }

  /** Every route of every table (both families). */
  async routes(): Promise<RouteInfo[]> {
    const msgs = await this.sock.request(RTM_GETROUTE, NLM_F_DUMP, encodeGetRoutes(0));
    const out: RouteInfo[] = [];
    for (const m of msgs) {
      if (m.type !== RTM_NEWROUTE) continue;
      try {
        out.push(decodeRoute(m));
      } catch {
        // a route we cannot decode is not one of ours
      }
    }
    return out;
  }

  /** Every policy rule (both families). */
  async rules(): Promise<RuleInfo[]> {
    const msgs = await this.sock.request(RTM_GETRULE, NLM_F_DUMP, encodeGetRules(0));
    const out: RuleInfo[] = [];
    for (const m of msgs) {
      if (m.type !== RTM_NEWRULE) continue;
      try {
        out.push(decodeRule(m));
      } catch {
        // not ours
      }
    }
    return out;
  }
}

/** Routes a previous run of ours left behind (pure): those carrying our protocol marker. */
export function leftoverRoutes(present: readonly RouteInfo[]): ResolvedRoute[] {
  return present
    .filter((r) => r.protocol === KATS_ROUTE_PROTO)
    .map((r) => {
      const spec = routeSpecOf(r);
      return { spec, text: formatRoute({ ...spec, family: r.family }) };
    });
}

/** Rules a previous run of ours left behind (pure). */
export function leftoverRules(present: readonly RuleInfo[]): ResolvedRule[] {
  return present
    .filter((r) => r.protocol === KATS_ROUTE_PROTO)
    .map((r) => ({
      spec: ruleSpecOf(r),
      text: `${r.priority ?? ''}: from ${r.src ? `${formatIp(r.src)}/${r.srcLen}` : 'all'}${r.dst ? ` to ${formatIp(r.dst)}/${r.dstLen}` : ''} lookup ${r.table}`,
    }));
}

/**
 * Start-up cleanup (beyond keepalived, which leaves a crashed run's routes in place): removes every
 * route and rule carrying our marker. Nothing of ours should exist before our instances start;
 * returns the log lines (one per item removed or failed). The route dump is skipped when the
 * configuration has no routes (`withRoutes` false): on a router holding a full BGP table it is
 * the one expensive step, and a run without routes cannot have left any.
 */
export async function removeLeftoverRoutes(mgr: RouteManager, withRoutes = true): Promise<string[]> {
  const routes = withRoutes ? leftoverRoutes(await mgr.routes()) : [];
  const rules = leftoverRules(await mgr.rules());
  if (routes.length === 0 && rules.length === 0) return [];
  const errors = await mgr.remove(routes, rules);
  const done = (what: string, text: string) => (errors.some((e) => e.includes(text)) ? [] : [`removed leftover ${what} ${text} (from a previous run)`]);
  return [...rules.flatMap((r) => done('rule', r.text)), ...routes.flatMap((r) => done('route', r.text)), ...errors];
}
