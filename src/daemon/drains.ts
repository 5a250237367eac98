// Scheduled drains and maintenance windows: cron expressions (node-cron, 5 or 6 fields, the daemon's
// time zone unless one is given) that open a window of `durationS` seconds at each match. While a
// window is open its target counts as drained (a real server) or in maintenance (an instance);
// ops.ts merges that with the operator's manual `ctl` overrides (manual always wins: a window that
// closes never undrains what an operator drained by hand).
//
// Schedules come from the state file (`ctl schedule add`), so they survive reloads and restarts; a
// config keyword can feed the same entries (docs/operations.md proposes drain_schedule /
// maintenance_schedule).
import cron from 'node-cron';
import type { ScheduledTask } from 'node-cron';

export interface ScheduleEntry {
  id: string;
  kind: 'drain' | 'maintenance';
  /** A real server (`IP:PORT`, `VS/IP:PORT`) for drain, an instance name for maintenance. */
  target: string;
  cron: string;
  durationS: number;
  timezone?: string;
}

export function validateSchedule(e: Omit<ScheduleEntry, 'id'>): string | null {
  if (e.kind !== 'drain' && e.kind !== 'maintenance') return `schedule kind must be drain or maintenance, not '${e.kind}'`;
  if (!e.target) return 'schedule needs a target';
  if (!cron.validate(e.cron)) return `invalid cron expression '${e.cron}'`;
  if (!Number.isFinite(e.durationS) || e.durationS <= 0 || e.durationS > 7 * 86400) return `duration must be 1..604800 seconds, not '${e.durationS}'`;
  return null;
}

export class DrainScheduler {
  readonly #onChange: () => void;
  readonly #tasks = new Map<string, ScheduledTask>();
  readonly #entries = new Map<string, ScheduleEntry>();
  /** Open windows: entry id -> end (ms since epoch) and its close timer. */
  readonly #open = new Map<string, { untilMs: number; timer: NodeJS.Timeout }>();

  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  /** Replaces every schedule (start, reload); open windows of entries that remain stay open. */
  set(entries: readonly ScheduleEntry[]): void {
    const keep = new Set(entries.map((e) => e.id));
    for (const id of [...this.#entries.keys()]) if (!keep.has(id)) this.remove(id, false);
    for (const e of entries) {
      const old = this.#entries.get(e.id);
      if (old && JSON.stringify(old) === JSON.stringify(e)) continue;
      if (old) this.remove(e.id, false);
      this.#add(e);
    }
    this.#onChange();
  }

  #add(e: ScheduleEntry): void {
    this.#entries.set(e.id, e);
    const task = cron.schedule(e.cron, () => this.#openWindow(e.id), { timezone: e.timezone, name: `kats-${e.kind}-${e.id}`, noOverlap: false });
    task.unref();
    this.#tasks.set(e.id, task);
  }

  #openWindow(id: string): void {
    const e = this.#entries.get(id);
    if (!e) return;
    const was = this.#open.get(id);
    if (was) clearTimeout(was.timer);
    const untilMs = Date.now() + e.durationS * 1000;
    const timer = setTimeout(() => {
      this.#open.delete(id);
      this.#onChange();
    }, e.durationS * 1000);
    timer.unref();
    this.#open.set(id, { untilMs, timer });
    if (!was) this.#onChange();
  }

  remove(id: string, notify = true): boolean {
    const task = this.#tasks.get(id);
    if (!task) return false;
    void task.destroy();
    this.#tasks.delete(id);
    this.#entries.delete(id);
    const w = this.#open.get(id);
    if (w) clearTimeout(w.timer);
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
      return { ...e, openUntil: w ? new Date(w.untilMs).toISOString() : null, nextRun: this.#tasks.get(e.id)?.getNextRun()?.toISOString() ?? null };
    });
  }

  close(): void {
    for (const id of [...this.#tasks.keys()]) this.remove(id, false);
  }
}
