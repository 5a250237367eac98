// keepalived-ts scheduled drains and maintenance windows written in the configuration (no
// keepalived equivalent; docs/operations.md):
//
//   real_server 10.0.0.11 80 { drain_schedule "0 2 * * 0" duration 1800 [timezone Europe/Paris] }
//   vrrp_instance VI_WEB { maintenance_schedule "30 3 1 * *" duration 600 }
//   global_defs { drain_schedule 10.0.0.11:80 "0 2 * * 0" duration 1800
//                 maintenance_schedule VI_WEB "30 3 1 * *" duration 600 }
//
// The keywords are read by the table (keywords.ts, keptWords: their words land in `kept` with
// their file:line); this module turns them into schedule entries and checks them: the cron
// expression (node-cron's grammar, 5 fields or 6 with seconds first), the duration, the time zone,
// and, for the global_defs form, that the real server or instance exists. The daemon
// (src/daemon/ops.ts) arms them with node-cron on start and after every reload.
import { nodeCron } from '../lib/lazy-cron.ts';
import type { Diagnostics, Place } from './diagnostics.ts';
import type { KeptKeyword, Model } from './model.ts';
import { realServerKey, virtualServerKey } from '../lvs/wanted.ts';

export interface ConfigSchedule {
  kind: 'drain' | 'maintenance';
  /** `VS/IP:PORT` (or `IP:PORT` from global_defs) for a drain, an instance name for maintenance. */
  target: string;
  cron: string;
  durationS: number;
  timezone?: string;
  /** `FILE:LINE` of the keyword. */
  source: string;
}

const MAX_DURATION_S = 7 * 86400;

/** Checks the time zone the way node-cron will use it (Intl); null when valid. */
function badTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return false;
  } catch {
    return true;
  }
}

/**
 * `"CRON" duration SECONDS [timezone TZ]` (the words after the target): the schedule's fields, or
 * an error text. Pure apart from node-cron's validator.
 */
export function parseScheduleWords(words: readonly string[]): { cron: string; durationS: number; timezone?: string } | string {
  const [expr, durKw, durText, tzKw, tz, ...extra] = words;
  if (expr === undefined) return 'missing the cron expression';
  if (!nodeCron().validate(expr)) {
    const hint = expr.trim().split(/\s+/).length === 1 && durKw !== 'duration' ? ' (quote the expression: "0 2 * * 0")' : '';
    return `invalid cron expression '${expr}'${hint}`;
  }
  if (durKw !== 'duration') return `expected 'duration SECONDS' after the cron expression, not '${durKw ?? ''}'`;
  if (durText === undefined || !/^\d+$/.test(durText)) return `duration must be a whole number of seconds, not '${durText ?? ''}'`;
  const durationS = Number(durText);
  if (durationS < 1 || durationS > MAX_DURATION_S) return `duration must be 1..${MAX_DURATION_S} seconds, not ${durationS}`;
  if (tzKw === undefined) return { cron: expr, durationS };
  if (tzKw !== 'timezone' || tz === undefined) return `expected 'timezone TZ', not '${[tzKw, tz].filter(Boolean).join(' ')}'`;
  if (extra.length > 0) return `unexpected '${extra[0]}'`;
  if (badTimezone(tz)) return `unknown time zone '${tz}'`;
  return { cron: expr, durationS, timezone: tz };
}

const placeOf = (k: KeptKeyword): Place => ({ file: k.file, line: k.line });
const sourceOf = (k: KeptKeyword): string => `${k.file}:${k.line}`;

/** `IP:PORT`, `[V6]:PORT` or `VSKEY/IP:PORT` names at least one real server of the model. */
export function realServerExists(model: Model, arg: string): boolean {
  const slash = arg.lastIndexOf('/');
  const vsKey = slash >= 0 ? arg.slice(0, slash) : undefined;
  const rsKey = slash >= 0 ? arg.slice(slash + 1) : arg;
  return model.virtualServers.some((vs) => (vsKey === undefined || virtualServerKey(vs) === vsKey) && vs.realServers.some((rs) => realServerKey(rs) === rsKey));
}

/**
 * Every schedule of the model, valid ones only; with `d`, each problem is reported at the
 * keyword's file:line (validation at load, so a bad one refuses the configuration and a reload
 * keeps the running one).
 */
export function configSchedules(model: Model, d?: Diagnostics): ConfigSchedule[] {
  const out: ConfigSchedule[] = [];
  const take = (k: KeptKeyword, kind: ConfigSchedule['kind'], target: string, words: readonly string[]): void => {
    const r = parseScheduleWords(words);
    if (typeof r === 'string') {
      d?.error(placeOf(k), `${k.keyword}: ${r}`);
      return;
    }
    out.push({ kind, target, ...r, source: sourceOf(k) });
  };
  for (const k of model.globalDefs.kept) {
    if (k.keyword !== 'drain_schedule' && k.keyword !== 'maintenance_schedule') continue;
    const [target, ...words] = k.args;
    if (k.keyword === 'drain_schedule' && !realServerExists(model, target)) {
      d?.error(placeOf(k), `drain_schedule: no real server ${target} in the configuration (IP:PORT, [IPv6]:PORT or VS/IP:PORT as in ctl drain)`);
      continue;
    }
    if (k.keyword === 'maintenance_schedule' && !model.vrrpInstances.some((i) => i.name === target)) {
      d?.error(placeOf(k), `maintenance_schedule: no vrrp_instance ${target} in the configuration`);
      continue;
    }
    take(k, k.keyword === 'drain_schedule' ? 'drain' : 'maintenance', target, words);
  }
  for (const inst of model.vrrpInstances) {
    for (const k of inst.kept) if (k.keyword === 'maintenance_schedule') take(k, 'maintenance', inst.name, k.args);
  }
  for (const vs of model.virtualServers) {
    for (const rs of vs.realServers) {
      for (const k of rs.kept) if (k.keyword === 'drain_schedule') take(k, 'drain', `${virtualServerKey(vs)}/${realServerKey(rs)}`, k.args);
    }
  }
  return out;
}

/** Load-time check (validate.ts): reports every bad schedule at its line. */
export function checkSchedules(model: Model, d: Diagnostics): void {
  configSchedules(model, d);
}
