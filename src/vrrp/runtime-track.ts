// track_script for VRRP instances and sync groups: each vrrp_script that something tracks runs
// on the shared scheduler (src/scheduler, rise/fall counters and keepalived's log lines in
// ScriptTracker) and its OK/KO reaches every user as a TrackerState with that user's weight and
// reverse (keepalived vrrp_track.c; keepalived.md §2.6). A script nobody tracks does not run.
//
// Start-up state (keepalived vrrp_script init): a script starts "not yet OK" (result rise-1), so
// a positive weight adds nothing until the first success and a weight-0 script keeps its
// instances in FAULT until then; a negative weight subtracts only on a real OK -> KO change, so
// it starts as OK. `init_fail` starts it KO.

import type { Logger } from '../obs/log.ts';
import type { Clock } from '../lib/clock.ts';
import type { TrackerState } from './priority.ts';
import type { VrrpScript } from '../config/model.ts';

export interface TrackUser {
  /** Instance name. */
  instance: string;
  weight: number;
  reverse: boolean;
}

export interface ScriptTracking {
  script: VrrpScript;
  users: TrackUser[];
}

export type { ScriptTracks } from './runtime-track-run.ts';

export interface TrackOptions {
  log: Logger;
  clock: Clock;
  scriptUser?: string[];
  enableScriptSecurity?: boolean;
  /** Delivers a tracker change to one instance. */
  deliver(instance: string, t: TrackerState): void;
}

export function trackerName(script: string): string {
  return `script:${script}`;
}

/** The TrackerState a user sees for a script that is (not) OK. */
export function trackerFor(name: string, u: TrackUser, ok: boolean): TrackerState {
  return { name: trackerName(name), weight: u.weight, reverse: u.reverse, ok };
}

/** The initial OK value a user's tracker starts with (see the header). */
export function initialOk(u: TrackUser, initFail: boolean): boolean {
  if (initFail) return false;
  return u.weight < 0;
}

/** Who tracks which script: instances directly, and every member of a sync group that tracks it. */
export function scriptTrackings(
  scripts: readonly VrrpScript[],
  instances: readonly { name: string; trackScripts: readonly { name: string; weight: number; reverse: boolean }[] }[],
  groups: readonly { group: readonly string[]; trackScripts: readonly { name: string; weight: number; reverse: boolean }[] }[],
): ScriptTracking[] {
  const byName = new Map<string, ScriptTracking>();
  const use = (scriptName: string, u: TrackUser) => {
    const script = scripts.find((s) => s.name === scriptName);
    if (!script) return;
    let t = byName.get(scriptName);
    if (!t) byName.set(scriptName, (t = { script, users: [] }));
    if (!t.users.some((x) => x.instance === u.instance)) t.users.push(u);
  };
  for (const i of instances) for (const r of i.trackScripts) use(r.name, { instance: i.name, weight: r.weight, reverse: r.reverse });
  for (const g of groups) for (const r of g.trackScripts) for (const m of g.group) use(r.name, { instance: m, weight: r.weight, reverse: r.reverse });
  return [...byName.values()];
}
