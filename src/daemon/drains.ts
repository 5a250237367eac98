// Scheduled drains and maintenance windows: cron expressions (node-cron, 5 or 6 fields, the daemon's
// time zone unless one is given) that open a window of `durationS` seconds at each match. While a
// window is open its target counts as drained (a real server) or in maintenance (an instance);
// ops.ts merges that with the operator's manual `ctl` overrides (manual always wins: a window that
// closes never undrains what an operator drained by hand).
//
// Entries come from two places: the state file (`ctl schedule add`, ids "1", "2", ...) and the
// configuration (drain_schedule / maintenance_schedule, src/config/build-drains.ts, ids
// "cfg-" and a digest of the entry itself). set() is called with the union at start and after
// every reload: an entry that is still there keeps its cron task and its open window (a reload
// in the middle of a window does not end it), a removed one is cancelled and its window closed.
import { nodeCron as lazyCron } from '../lib/lazy-cron.ts';
import type { ConfigSchedule } from '../config/build-drains.ts';

export interface ScheduleEntry {
  id: string;
  kind: 'drain' | 'maintenance';
  /** A real server (`IP:PORT`, `VS/IP:PORT`) for drain, an instance name for maintenance. */
  target: string;
  cron: string;
  durationS: number;
  timezone?: string;
  /** `FILE:LINE` for an entry of the configuration; absent for `ctl schedule add`. */
  source?: string;
}

export function validateSchedule(e: Omit<ScheduleEntry, 'id'>): string | null {
  if (e.kind !== 'drain' && e.kind !== 'maintenance') return `schedule kind must be drain or maintenance, not '${e.kind}'`;
  if (!e.target) return 'schedule needs a target';
  if (!lazyCron().validate(e.cron)) return `invalid cron expression '${e.cron}'`;
  if (!Number.isFinite(e.durationS) || e.durationS <= 0 || e.durationS > 7 * 86400) return `duration must be 1..604800 seconds, not '${e.durationS}'`;
  return null;
}

/**
 * Configuration schedules as entries. The id is a digest of the entry's content (kind, target,
 * cron, duration, time zone), so an unchanged line keeps its id, task and open window across
 * reloads even when it moves in the file; it is short and has no spaces, for `ctl schedule`.
 */
export function configEntries(list: readonly ConfigSchedule[]): ScheduleEntry[] {
  const out = new Map<string, ScheduleEntry>();
  for (const c of list) {
    const id = `cfg-${process.getBuiltinModule('node:crypto').createHash('sha256').update(JSON.stringify([c.kind, c.target, c.cron, c.durationS, c.timezone ?? ''])).digest('hex').slice(0, 8)}`;
    if (!out.has(id)) out.set(id, { id, kind: c.kind, target: c.target, cron: c.cron, durationS: c.durationS, ...(c.timezone ? { timezone: c.timezone } : {}), source: c.source });
  }
  return [...out.values()];
}

/** One armed cron expression. */
export interface CronTask {
  nextRun(): Date | null;
  destroy(): void;
}

export interface DrainSchedulerOptions {
  /** Arms a cron expression (default node-cron; tests inject their own to fire by hand). */
  cron?: (expr: string, timezone: string | undefined, name: string, fire: () => void) => CronTask;
  /** Runs `fn` after `ms` (default an unref'd setTimeout). */
  setTimer?: (ms: number, fn: () => void) => { cancel(): void };
  /** Wall clock in ms (default Date.now). */
  now?: () => number;
}

function nodeCron(expr: string, timezone: string | undefined, name: string, fire: () => void): CronTask {
  const task = lazyCron().schedule(expr, fire, { timezone, name, noOverlap: false });
  task.unref();
  return { nextRun: () => task.getNextRun(), destroy: () => void task.destroy() };
}

function unrefTimer(ms: number, fn: () => void): { cancel(): void } {
  const t = setTimeout(fn, ms);
  t.unref();
  return { cancel: () => clearTimeout(t) };
}

const sameEntry = (a: ScheduleEntry, b: ScheduleEntry): boolean =>
  a.kind === b.kind && a.target === b.target && a.cron === b.cron && a.durationS === b.durationS && a.timezone === b.timezone;

export class DrainScheduler {
  readonly #onChange: () => void;
  readonly #cron: NonNullable<DrainSchedulerOptions['cron']>;
  readonly #setTimer: NonNullable<DrainSchedulerOptions['setTimer']>;
  readonly #now: () => number;
  readonly #tasks = new Map<string, CronTask>();
  readonly #entries = new Map<string, ScheduleEntry>();
  /** Open windows: entry id -> end (wall ms) and its close timer. */
  readonly #open = new Map<string, { untilMs: number; timer: { cancel(): void } }>();

  constructor(onChange: () => void, opts: DrainSchedulerOptions = {}) {
    this.#onChange = onChange;
    this.#cron = opts.cron ?? nodeCron;
    this.#setTimer = opts.setTimer ?? unrefTimer;
    this.#now = opts.now ?? Date.now;
  }

  /** Replaces every schedule (start, reload); open windows of entries that remain stay open. */
  set(entries: readonly ScheduleEntry[]): void {
    const keep = new Set(entries.map((e) => e.id));
    for (const id of [...this.#entries.keys()]) if (!keep.has(id)) this.remove(id, false);
    for (const e of entries) {
      const old = this.#entries.get(e.id);
      if (old && sameEntry(old, e)) {
        this.#entries.set(e.id, e); // a moved line: new source, same task and window
        continue;
      }
      if (old) this.remove(e.id, false);
      this.#add(e);
    }
    this.#onChange();
  }

  #add(e: ScheduleEntry): void {
    this.#entries.set(e.id, e);
    this.#tasks.set(e.id, this.#cron(e.cron, e.timezone, `kats-${e.kind}-${e.id}`, () => this.fire(e.id)));
  }

  /** A cron match of entry `id`: opens (or extends) its window. Public for injected crons. */
  fire(id: string): void {
    const e = this.#entries.get(id);
    if (!e) return;
    const was = this.#open.get(id);
    was?.timer.cancel();
    const untilMs = this.#now() + e.durationS * 1000;
    const timer = this.#setTimer(e.durationS * 1000, () => {
      this.#open.delete(id);
      this.#onChange();
    });
    this.#open.set(id, { untilMs, timer });
    if (!was) this.#onChange();
  }

  remove(id: string, notify = true): boolean {
    const task = this.#tasks.get(id);
    if (!task) return false;
    task.destroy();
    this.#tasks.delete(id);
    this.#entries.delete(id);
    this.#open.get(id)?.timer.cancel();
    this.#open.delete(id);
    if (notify) this.#onChange();
    return true;
  }

  /** Targets inside an open window now. */
  active(kind: ScheduleEntry['kind']): Set<string> {
    const out = new Set<string>();
    for (const id of this.#open.keys()) {
      const e = this.#entries.get(id);
      if (e?.kind === kind) out.add(e.target);
    }
    return out;
  }

  list(): (ScheduleEntry & { openUntil: string | null; nextRun: string | null })[] {
    return [...this.#entries.values()].map((e) => {
      const w = this.#open.get(e.id);
      return { ...e, openUntil: w ? new Date(w.untilMs).toISOString() : null, nextRun: this.#tasks.get(e.id)?.nextRun()?.toISOString() ?? null };
    });
  }

  close(): void {
    for (const id of [...this.#tasks.keys()]) this.remove(id, false);
  }
}
