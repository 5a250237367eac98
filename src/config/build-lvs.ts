// virtual_server and real_server blocks -> model objects (checkers: build-checker.ts, groups:
// build-vsg.ts).
// Defaults from keepalived/check/check_data.c (alloc_vs: quorum 1, hysteresis 0, delay_loop 60 s,
// connect_timeout 5 s, weight 1) and the checkers (retry 1, MISC 0, DNS 3; delay_before_retry 1 s,
// HTTP/SSL 3 s; warmup = delay_loop). delay_loop, connect_timeout, retry, delay_before_retry,
// warmup and alpha are inherited virtual_server -> real_server -> checker.
import type { ConfNode } from './ast.ts';
import type { Diagnostics, Place } from './diagnostics.ts';
import type { Timing } from './build-checker.ts';
import { buildChecker, inherit } from './build-checker.ts';
import type { CheckerType } from './keywords.ts';
import { checkerTypes, lvsMethods } from './keywords.ts';
import type { RealServer, VirtualServer } from './model.ts';
import { ipFamily, readInt, readPort } from './values.ts';
import type { Item } from './walk.ts';
import { applyScalars, walkBlock } from './walk.ts';

const IPVS_PERSISTENT_TIMEOUT_SEC = 360; // libipvs.h IPVS_SVC_PERSISTENT_TIMEOUT
const MAX_PERSISTENCE_SEC = 2678400; // keepalived: 31 days

export function buildVirtualServer(node: ConfNode, d: Diagnostics, places?: WeakMap<object, Map<string, Place>>): VirtualServer | undefined {
  const vs = {
    lbAlgo: 'wlc', lbKind: 'NAT', tunnelOptions: [], protocol: 'TCP', quorum: 1, hysteresis: 0, alpha: false,
    omega: false, haSuspend: false, inhibitOnFailure: false, delayLoopMs: 60_000, sorryServerInhibit: false,
    weight: 1, realServers: [], kept: [], file: node.file, line: node.line,
  } as VirtualServer;
  if (!readVsAddress(node, vs, d)) return undefined;
  const items = walkBlock('virtual_server', node.children ?? [], d);
  places?.set(vs, new Map(items.map((i) => [i.spec.keyword, { file: i.file, line: i.line }])));
  const timing: Timing = {};
  const { rest, explicit } = applyScalars(items, timing, d);
  // applyScalars wrote every scalar into `timing`; move the non-timing ones onto the service.
  const t = timing as Record<string, unknown>;
  for (const k of Object.keys(t)) {
    if (!['delayLoopMs', 'connectTimeoutMs', 'retry', 'delayBeforeRetryMs', 'warmupMs', 'alpha'].includes(k)) {
      (vs as unknown as Record<string, unknown>)[k] = t[k];
      delete t[k];
    }
  }
  vs.alpha = timing.alpha ?? false;
  vs.delayLoopMs = timing.delayLoopMs ?? 60_000;
  const rsNodes: Item[] = [];
  for (const item of rest) {
    switch (item.spec.keyword) {
      case 'lb_kind':
        readLbKind(item, vs, d);
        explicit.add('lb_kind');
        break;
      case 'persistence_timeout': {
        const s = item.args[0] === undefined ? IPVS_PERSISTENT_TIMEOUT_SEC : readInt(item.args[0], 'persistence_timeout', 1, MAX_PERSISTENCE_SEC, item, d);
        if (s !== undefined) vs.persistenceTimeoutSec = s;
        break;
      }
      case 'sorry_server': {
        const port = item.args[1] === undefined ? undefined : readPort(item.args[1], 'sorry_server port', item, d);
        if (ipFamily(item.args[0]) === 0) d.error(item, `sorry_server: invalid IP address '${item.args[0]}'`);
        else vs.sorryServer = port === undefined ? { address: item.args[0] } : { address: item.args[0], port };
        break;
      }
      case 'real_server':
        rsNodes.push(item);
        break;
    }
  }
  const name = vsName(vs);
  // Only when the keyword is absent: an invalid value was reported already.
  const written = new Set(items.map((i) => i.spec.keyword));
  if (!written.has('lb_algo')) d.warn(node, `Virtual server ${name}: no scheduler set, setting default 'wlc'`);
  // keepalived says so only when a real or sorry server needs the method.
  if (!written.has('lb_kind') && (rsNodes.length > 0 || vs.sorryServer)) d.warn(node, `Virtual server ${name}: no forwarding method set, setting default NAT`);
  // A service without a port can only be persistent (keepalived forces persistence).
  if (vs.address !== undefined && vs.port === undefined && vs.persistenceTimeoutSec === undefined) {
    vs.persistenceTimeoutSec = IPVS_PERSISTENT_TIMEOUT_SEC;
  }
  for (const item of rsNodes) {
    const rs = buildRealServer(item, vs, timing, d);
    if (rs) vs.realServers.push(rs);
  }
  return vs;
}

export function vsName(vs: VirtualServer): string {
  if (vs.fwmark !== undefined) return `FWM ${vs.fwmark}`;
  if (vs.group !== undefined) return `group ${vs.group}`;
  return `[${vs.address}]:${vs.port ?? 0}`;
}

function readVsAddress(node: ConfNode, vs: VirtualServer, d: Diagnostics): boolean {
  const [a, b] = node.args;
  if (a === 'fwmark') {
    const m = readInt(b, 'virtual_server fwmark', 1, 4294967295, node, d);
    if (m === undefined) return false;
    vs.fwmark = m;
    return true;
  }
  if (a === 'group') {
    if (b === undefined) {
      d.error(node, 'virtual_server group: missing group name');
      return false;
    }
    vs.group = b;
    return true;
  }
  if (ipFamily(a) === 0) {
    d.error(node, `virtual_server: invalid address '${a}' (expected IP PORT, fwmark N or group NAME)`);
    return false;
  }
  vs.address = a;
  if (b !== undefined) {
    const port = readPort(b, 'virtual_server port', node, d);
    if (port === undefined) return false;
    vs.port = port;
  }
  return true;
}

/** `NAT|DR|TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`. */
function readLbKind(item: Item, vs: VirtualServer, d: Diagnostics): void {
  const method = item.args[0];
  if (!(lvsMethods as readonly string[]).includes(method)) {
    d.error(item, `unknown [${method}] routing method for virtual server (expected NAT|DR|TUN)`);
    return;
  }
  if (method !== 'TUN' && item.args.length > 1) {
    d.error(item, `${item.written} ${method} takes no options: unexpected '${item.args[1]}'`);
    return;
  }
  vs.lbKind = method as VirtualServer['lbKind'];
  vs.tunnelOptions = item.args.slice(1);
}

function buildRealServer(item: Item, vs: VirtualServer, vsTiming: Timing, d: Diagnostics): RealServer | undefined {
  const [addr, portText] = item.args;
  if (ipFamily(addr) === 0) {
    d.error(item, `real_server: invalid IP address '${addr}'`);
    return undefined;
  }
  const rs = {
    address: addr, weight: vs.weight, inhibitOnFailure: vs.inhibitOnFailure, checkers: [], kept: [],
    file: item.file, line: item.line,
  } as RealServer;
  if (portText !== undefined) {
    const port = readPort(portText, 'real_server port', item, d);
    if (port === undefined) return undefined;
    rs.port = port;
  }
  const items = walkBlock('real_server', item.children ?? [], d);
  const timing: Timing & Record<string, unknown> = {};
  const { rest } = applyScalars(items, timing, d);
  for (const k of ['weight', 'inhibitOnFailure', 'notifyUp', 'notifyUpUser', 'notifyDown', 'notifyDownUser', 'uthreshold', 'lthreshold', 'virtualhost', 'smtpAlert', 'kept']) {
    if (timing[k] !== undefined) (rs as unknown as Record<string, unknown>)[k] = timing[k];
  }
  rs.virtualhost ??= vs.virtualhost;
  const inherited = inherit(timing, vsTiming);
  for (const c of rest) {
    if ((checkerTypes as readonly string[]).includes(c.spec.keyword)) {
      // A port-less real server of an IP:port service is probed on the service port.
      const chk = buildChecker(c, c.spec.keyword as CheckerType, rs, rs.port ?? (vs.fwmark === undefined ? vs.port : undefined), inherited, d);
      if (chk) rs.checkers.push(chk);
    }
  }
  return rs;
}
