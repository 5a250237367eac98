// SIGUSR1 / SIGUSR2 dumps, as keepalived writes them to its tmp directory (keepalived(8)):
// SIGUSR1 -> keepalived.data (the state of every instance), SIGUSR2 -> keepalived.stats (per
// instance counters, the layout of vrrp_print_stats in keepalived/vrrp/vrrp_print.c, then the
// drop reasons keepalived does not count, under a header of ours), and keepalived.json (the
// shape of keepalived/vrrp/vrrp_json.c: an array of {data, stats} per instance). keepalived writes
// the JSON on SIGRTMIN+2, which Node cannot catch by itself: src/daemon/ops.ts watches it through
// the addon (src/native/signals.ts) and `keepalived-ts ctl dump json` writes it on request. The
// directory is --dump-dir (default /tmp). Formatting is pure; writing is one writeFileSync.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIp } from '../vrrp/addr.ts';
import type { InstanceRunner } from '../vrrp/instance.ts';
import type { Model, Vip, VrrpInstance } from '../config/model.ts';
import { DROP_REASONS } from '../vrrp/packet.ts';

/** keepalived's VRRP_STATE_* numbers (vrrp.h) as the JSON dump writes them. */
const STATE_NUMBER: Record<string, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 98 };

/** Drop reasons that keepalived's stats lines already show (folded into its counters above ours). */
const SHOWN_BY_KEEPALIVED = new Set(['length', 'short', 'ttl', 'type', 'interval_mismatch', 'addr_count', 'addr_list', 'auth_type', 'auth_pass']);

export function formatStats(runners: Iterable<InstanceRunner>): string {
  const out: string[] = [];
  for (const r of runners) {
    const c = r.state.counters;
    const d = r.drops;
    out.push(
      `VRRP Instance: ${r.name}`,
      '  Advertisements:',
      `    Received: ${c.advertsRx}`,
      `    Sent: ${c.advertsTx}`,
      `  Became master: ${c.becomeMaster}`,
      `  Released master: ${c.releaseMaster}`,
      '  Packet Errors:',
      `    Length: ${d.length + d.short}`,
      `    TTL: ${d.ttl}`,
      `    Invalid Type: ${d.type}`,
      `    Advertisement Interval: ${d.interval_mismatch}`,
      `    Address List: ${d.addr_count + d.addr_list}`,
      '  Authentication Errors:',
      `    Invalid Type: 0`,
      `    Type Mismatch: ${d.auth_type}`,
      `    Failure: ${d.auth_pass}`,
      '  Priority Zero:',
      `    Received: ${c.priZeroRx}`,
      `    Sent: ${c.priZeroTx}`,
      // keepalived-ts: every drop reason we count (packet.ts DROP_REASONS), including those
      // keepalived's lines above fold together or do not count (checksum, version, unicast_src).
      '  Dropped adverts by reason (keepalived-ts):',
      ...DROP_REASONS.map((reason) => `    ${reason}: ${d[reason] ?? 0}${SHOWN_BY_KEEPALIVED.has(reason) ? '' : ' (not in the counters above)'}`),
    );
  }
  return out.join('\n') + '\n';
}

export function formatData(runners: Iterable<InstanceRunner>): string {
  const out: string[] = ['------< VRRP Topology >------'];
  for (const r of runners) {
    const s = r.state;
    const b = r.setup.binding;
    out.push(
      ` VRRP Instance = ${r.name}`,
      `   State = ${s.state}`,
      `   Wantstate = ${s.wantState}`,
      `   Interface = ${b.ifname}`,
      `   Using src_ip = ${formatIp(b.src)}`,
      `   Virtual Router ID = ${s.config.vrid}`,
      `   Priority = ${s.config.basePriority}`,
      `   Effective priority = ${s.effectivePriority}`,
      `   Advert interval = ${s.config.advertIntCs * 10} milli-sec`,
      `   Master advert interval = ${s.masterAdverIntCs * 10} milli-sec`,
      `   VRRP Version = ${s.config.version}`,
      `   Preempt = ${s.config.nopreempt ? 'disabled' : 'enabled'}`,
      `   Preempt delay = ${s.config.preemptDelayMs / 1000} secs`,
      `   Last master = ${s.masterAddr ? formatIp(s.masterAddr) : '(none)'}`,
      `   Master priority = ${s.masterPriority ?? 0}`,
      `   Faults = ${[...s.interfaceFaults, ...s.trackerFaults].join(' ') || '(none)'}`,
      ...(b.unicastPeers && b.unicastPeers.length > 0 ? [`   Unicast Peer = ${b.unicastPeers.map(formatIp).join(' ')}`] : [`   Multicast group = ${formatIp(b.group)}`]),
      `   Virtual IP = ${r.setup.vips.length}`,
      ...r.setup.vips.map((v) => `     ${v.text}${v.label ? ` label ${v.label}` : ''}`),
    );
  }
  return out.join('\n') + '\n';
}

export interface JsonDumpSources {
  model: Model;
  /** The last transition of each instance, wall-clock ms. */
  lastTransitionMs?: (name: string) => number | undefined;
  maintenance?: ReadonlySet<string>;
  /** keepalived's json_version: 1 = a bare array (default), 2 = {"vrrp": [...]}. */
  jsonVersion?: 1 | 2;
}

const vipText = (v: Vip, inst: VrrpInstance | undefined): string => `${v.address}/${v.prefix} dev ${v.dev ?? inst?.interface ?? '?'}${v.scope ? ` scope ${v.scope}` : ''}${v.label ? ` label ${v.label}` : ''}`;

/**
 * keepalived.json: per instance `data` with vrrp_json.c's field names (states as keepalived's
 * numbers, times in seconds) and `stats` with its counter names; `auth_data` is never written
 * (keepalived writes the password; we never put it in a file). Our own fields (state names,
 * faults, trackers with their results, drops by reason, maintenance) sit under `keepalived_ts`
 * so tools reading keepalived's fields see nothing unexpected.
 */
export function formatJson(runners: Iterable<InstanceRunner>, src: JsonDumpSources): string {
  const list: unknown[] = [];
  for (const r of runners) {
    const s = r.state;
    const inst = src.model.vrrpInstances.find((i) => i.name === r.name);
    const scripts = new Map(src.model.vrrpScripts.map((x) => [x.name, x.script]));
    const opt = <T>(k: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [k]: v });
    const arr = (k: string, v: string[]): Record<string, string[]> => (v.length === 0 ? {} : { [k]: v });
    const d = r.drops;
    const data = {
      iname: r.name,
      dont_track_primary: inst?.dontTrackPrimary ? 1 : 0,
      skip_check_adv_addr: inst?.skipCheckAdvAddr ? 1 : 0,
      strict_mode: inst?.strictMode ? 1 : 0,
      ifp_ifname: r.setup.binding.ifname,
      master_priority: s.state === 'MASTER' ? s.effectivePriority : (s.masterPriority ?? 0),
      last_transition: (src.lastTransitionMs?.(r.name) ?? 0) / 1000,
      garp_delay: s.config.garp.masterDelayMs / 1000,
      garp_refresh: Math.floor(s.config.garp.masterRefreshMs / 1000),
      garp_rep: s.config.garp.masterRepeat,
      garp_refresh_rep: s.config.garp.masterRefreshRepeat,
      garp_lower_prio_delay: Math.floor(s.config.garp.lowerPrioDelayMs / 1000),
      garp_lower_prio_rep: s.config.garp.lowerPrioRepeat,
      lower_prio_no_advert: s.config.lowerPrioNoAdvert ? 1 : 0,
      higher_prio_send_advert: s.config.higherPrioSendAdvert ? 1 : 0,
      vrid: s.config.vrid,
      base_priority: s.basePriority,
      effective_priority: s.effectivePriority,
      vipset: s.vipsHeld,
      promote_secondaries: inst?.promoteSecondaries ?? false,
      adver_int: s.config.advertIntCs / 100,
      master_adver_int: s.masterAdverIntCs / 100,
      accept: inst?.accept ? 1 : 0,
      nopreempt: s.config.nopreempt,
      preempt_delay: Math.floor(s.config.preemptDelayMs / 1000),
      state: STATE_NUMBER[s.state] ?? 0,
      wantstate: STATE_NUMBER[s.wantState] ?? 0,
      version: s.config.version,
      smtp_alert: inst?.smtpAlert ?? false,
      notify_deleted: inst?.notifyDeleted !== undefined,
      ...opt('script_backup', inst?.notifyBackup),
      ...opt('script_master', inst?.notifyMaster),
      ...opt('script_fault', inst?.notifyFault),
      ...opt('script_stop', inst?.notifyStop),
      ...opt('script_deleted', inst?.notifyDeleted),
      ...opt('script', inst?.notify),
      ...opt('script_master_rx_lower_pri', inst?.notifyMasterRxLowerPri),
      ...arr('vips', (inst?.virtualIpaddress ?? []).map((v) => vipText(v, inst))),
      ...arr('evips', (inst?.virtualIpaddressExcluded ?? []).map((v) => vipText(v, inst))),
      ...arr('vroutes', (inst?.virtualRoutes ?? []).map((l) => l.join(' '))),
      ...arr('vrules', (inst?.virtualRules ?? []).map((l) => l.join(' '))),
      ...arr('track_ifp', (inst?.trackInterfaces ?? []).map((t) => t.name)),
      ...arr('track_script', (inst?.trackScripts ?? []).map((t) => scripts.get(t.name) ?? t.name)),
      auth_type: inst?.authentication ? (inst.authentication.type === 'PASS' ? 1 : 2) : 0,
      keepalived_ts: {
        state: s.state,
        wantstate: s.wantState,
        master: s.masterAddr ? formatIp(s.masterAddr) : s.state === 'MASTER' ? formatIp(r.setup.binding.src) : null,
        faults: [...s.interfaceFaults, ...s.trackerFaults, ...(s.syncFault ? ['sync group'] : [])],
        trackers: r.trackers.map((t) => ({ name: t.name, weight: t.weight, reverse: t.reverse, ok: t.ok })),
        maintenance: src.maintenance?.has(r.name) ?? false,
        drops: Object.fromEntries(DROP_REASONS.map((k) => [k, d[k] ?? 0])),
      },
    };
    const c = s.counters;
    const stats = {
      advert_rcvd: c.advertsRx,
      advert_sent: c.advertsTx,
      become_master: c.becomeMaster,
      release_master: c.releaseMaster,
      packet_len_err: d.length + d.short,
      advert_interval_err: d.interval_mismatch,
      ip_ttl_err: d.ttl,
      invalid_type_rcvd: d.type,
      addr_list_err: d.addr_count + d.addr_list,
      invalid_authtype: 0,
      authtype_mismatch: d.auth_type,
      auth_failure: d.auth_pass,
      pri_zero_rcvd: c.priZeroRx,
      pri_zero_sent: c.priZeroTx,
    };
    list.push({ data, stats });
  }
  return JSON.stringify(src.jsonVersion === 2 ? { vrrp: list } : list) + '\n';
}

export type DumpName = 'keepalived.data' | 'keepalived.stats' | 'keepalived.json';

/** Writes one dump; returns the path, or an error text. */
export function writeDump(dir: string, name: DumpName, text: string): { path: string; error?: string } {
  const path = join(dir, name);
  try {
    writeFileSync(path, text, { mode: 0o644 });
    return { path };
  } catch (e) {
    return { path, error: (e as Error).message };
  }
}
