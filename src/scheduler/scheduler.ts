// The periodic-check scheduler: many checks, one Clock.
//
// * No drift: a run's next due time is the previous due time + interval (keepalived re-arms its
//   vrrp_script timer when the run starts, vrrp_scheduler.c vrrp_script_thread; we anchor on the
//   due time so a slow event loop does not stretch the period). If the loop fell behind by whole
//   intervals, those dues are counted as `missed` and the schedule jumps ahead (no burst).
// * Start-up jitter: the caller gives each check its first delay (see warmupDelayMs: keepalived's
//   1 s + random(0..warmup) for real-server checkers; 0 for vrrp_script, which runs at once).
// * A bound on concurrent probes: runs beyond `maxConcurrent` wait in a FIFO queue.
// * A per-probe ceiling: `timeoutMs` aborts the probe's AbortSignal with a TimeoutError.
// * Never two runs of one check at once: a due time that finds the previous run still going is
//   skipped, counted and logged with keepalived's line
//   `Track script NAME is already running, expect idle - skipping run` (or `is being timed out`).
// * The result handler may ask for the next run after a delay (retry / delay_before_retry) or
//   change the interval (fastinter / downinter); the new cadence anchors on that run.
// * remove()/stop() cancel timers, abort every in-flight probe and wait for them to settle (script
//   probes kill their process group on abort), so a reload never leaves a probe behind.
import type { Clock, TimerHandle } from '../lib/clock.ts';
import { systemClock } from '../lib/clock.ts';
import type { Logger } from '../obs/log.ts';
import type { ProbeResult } from '../../checks/types.ts';
import { ProbeTimeoutError } from '../../checks/types.ts';

export interface RunInfo {
  /** When the run was due (clock ms). */
  dueMs: number;
  /** When it started (clock ms); later than due when queued behind maxConcurrent or a busy loop. */
  startMs: number;
  endMs: number;
}

/** What a result handler may ask of the scheduler. */
export interface JobDirective {
  /** Run next after this delay from now (keepalived delay_before_retry), then resume the cadence. */
  delayMs?: number;
  /** Use this interval from now on (fastinter / downinter / back to inter). */
  intervalMs?: number;
}

export interface JobSpec {
  id: string;
  /** Name used in log lines (vrrp_script name, checker description). Defaults to id. */
  name?: string;
  intervalMs: number;
  /** Delay before the first run (jitter/warmup decided by the caller). Default 0. */
  firstDelayMs?: number;
  /** Per-probe ceiling; the probe's signal aborts with a TimeoutError after it. */
  timeoutMs: number;
  run(signal: AbortSignal): Promise<ProbeResult>;
  onResult?(result: ProbeResult, info: RunInfo): JobDirective | void;
  /** The line logged for a skipped run; default keepalived's track-script line. */
  skipLine?(name: string, beingTimedOut: boolean): string;
}

export interface SchedulerOptions {
  clock?: Clock;
  /** Bound on probes in flight at once (default 256). */
  maxConcurrent?: number;
  logger?: Logger;
  /** Called as each run starts (benchmarks record lateness here). */
  onRunStart?(id: string, dueMs: number, startMs: number): void;
  /**
   * Round timer expiries up to this grid (ms) so checks due close together start in one event
   * loop wake-up; lateness grows by at most this much. Default 0 (exact).
   */
  coalesceMs?: number;
}

export interface JobStats {
  runs: number;
  skipped: number;
  missed: number;
  timeouts: number;
  lastLatenessMs: number;
  running: boolean;
  nextDueMs: number;
  intervalMs: number;
}

interface Job {
  spec: JobSpec;
  intervalMs: number;
  dueMs: number;
  timer?: TimerHandle;
  /** queued or in flight */
  busy: boolean;
  timingOut: boolean;
  ac?: AbortController;
  inflight?: Promise<void>;
  removed: boolean;
  stats: { runs: number; skipped: number; missed: number; timeouts: number; lastLatenessMs: number };
}

export function defaultSkipLine(name: string, beingTimedOut: boolean): string {
  return `Track script ${name} is ${beingTimedOut ? 'being timed out' : 'already running'}, expect idle - skipping run`;
}

export class Scheduler {
  private readonly clock: Clock;
  private readonly maxConcurrent: number;
  private readonly logger?: Logger;
  private readonly onRunStart?: SchedulerOptions['onRunStart'];
  private readonly coalesceMs: number;
  private readonly jobs = new Map<string, Job>();
  private readonly queue: Array<{ job: Job; dueMs: number }> = [];
  private active = 0;
  private stopped = false;

  constructor(opts: SchedulerOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.maxConcurrent = Math.max(1, opts.maxConcurrent ?? 256);
    this.logger = opts.logger;
    this.onRunStart = opts.onRunStart;
    this.coalesceMs = Math.max(0, opts.coalesceMs ?? 0);
  }

  /** Adds a check; its first run is `firstDelayMs` from now. */
  add(spec: JobSpec): void {
    if (this.stopped) throw new Error('scheduler stopped');
    if (this.jobs.has(spec.id)) throw new Error(`duplicate check id ${spec.id}`);
    if (!(spec.intervalMs > 0)) throw new Error(`check ${spec.id}: interval must be > 0`);
    const job: Job = {
      spec,
      intervalMs: spec.intervalMs,
      dueMs: this.clock.now() + Math.max(0, spec.firstDelayMs ?? 0),
      busy: false,
      timingOut: false,
      removed: false,
      stats: { runs: 0, skipped: 0, missed: 0, timeouts: 0, lastLatenessMs: 0 },
    };
    this.jobs.set(spec.id, job);
    this.arm(job);
  }

  has(id: string): boolean {
    return this.jobs.has(id);
  }

  ids(): string[] {
    return [...this.jobs.keys()];
  }

  /** Removes a check: cancels its timer, aborts its in-flight probe and waits for it. */
  async remove(id: string): Promise<void> {
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    job.removed = true;
    job.timer?.cancel();
    this.dropQueued(job);
    job.ac?.abort(new DOMException('check removed', 'AbortError'));
    await job.inflight;
  }

  /** Stops everything: no new runs, all in-flight probes aborted, resolves when they settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    const waits: Promise<void>[] = [];
    for (const job of this.jobs.values()) {
      job.removed = true;
      job.timer?.cancel();
      job.ac?.abort(new DOMException('scheduler stopped', 'AbortError'));
      if (job.inflight) waits.push(job.inflight);
    }
    this.queue.length = 0;
    this.jobs.clear();
    await Promise.all(waits);
  }

  /** Runs a check now, outside its cadence (if idle). Returns false if it was busy. */
  triggerNow(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || job.busy) return false;
    this.start(job, this.clock.now());
    return true;
  }

  stats(id: string): JobStats | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    return { ...job.stats, running: job.busy, nextDueMs: job.dueMs, intervalMs: job.intervalMs };
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.queue.length;
  }

  private arm(job: Job): void {
    job.timer?.cancel();
    const q = this.coalesceMs;
    const at = q > 0 ? Math.ceil(job.dueMs / q) * q : job.dueMs;
    job.timer = this.clock.setTimer(at - this.clock.now(), () => this.fire(job));
  }

  private fire(job: Job): void {
    if (job.removed) return;
    const due = job.dueMs;
    const now = this.clock.now();
    // Next due = this due + interval; whole intervals already in the past are missed, not burst.
    let next = due + job.intervalMs;
    if (next <= now) {
      const behind = Math.floor((now - next) / job.intervalMs) + 1;
      job.stats.missed += behind;
      next += behind * job.intervalMs;
    }
    job.dueMs = next;
    this.arm(job);
    if (job.busy) {
      job.stats.skipped++;
      const name = job.spec.name ?? job.spec.id;
      this.logger?.info({ check: job.spec.id, event: 'skipped' }, (job.spec.skipLine ?? defaultSkipLine)(name, job.timingOut));
      return;
    }
    this.start(job, due);
  }

  private start(job: Job, dueMs: number): void {
    job.busy = true;
    if (this.active >= this.maxConcurrent) {
      this.queue.push({ job, dueMs });
      return;
    }
    this.launch(job, dueMs);
  }

  private dropQueued(job: Job): void {
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].job === job) this.queue.splice(i, 1);
  }

  private launch(job: Job, dueMs: number): void {
    this.active++;
    const startMs = this.clock.now();
    job.stats.runs++;
    job.stats.lastLatenessMs = startMs - dueMs;
    this.onRunStart?.(job.spec.id, dueMs, startMs);
    const ac = new AbortController();
    job.ac = ac;
    job.timingOut = false;
    const ceiling = this.clock.setTimer(job.spec.timeoutMs, () => {
      job.timingOut = true;
      job.stats.timeouts++;
      ac.abort(new ProbeTimeoutError(`check ${job.spec.name ?? job.spec.id} timed out after ${job.spec.timeoutMs} ms`));
    });
    let probe: Promise<ProbeResult>;
    try {
      probe = job.spec.run(ac.signal);
    } catch (err) {
      probe = Promise.resolve({ ok: false, reason: 'error', detail: String(err), durationMs: 0 });
    }
    job.inflight = probe
      .catch((err: unknown): ProbeResult => ({ ok: false, reason: 'error', detail: `probe threw: ${String(err)}`, durationMs: this.clock.now() - startMs }))
      .then((res) => {
        ceiling.cancel();
        this.active--;
        job.busy = false;
        job.timingOut = false;
        job.ac = undefined;
        job.inflight = undefined;
        this.pump();
        if (job.removed || this.stopped) return;
        let directive: JobDirective | void = undefined;
        try {
          directive = job.spec.onResult?.(res, { dueMs, startMs, endMs: this.clock.now() });
        } catch (err) {
          this.logger?.error({ check: job.spec.id, err }, `result handler of ${job.spec.id} failed`);
        }
        if (directive) this.apply(job, directive);
      });
  }

  private pump(): void {
    while (this.active < this.maxConcurrent && this.queue.length > 0) {
      const next = this.queue.shift()!;
      if (next.job.removed) continue;
      this.launch(next.job, next.dueMs);
    }
  }

  private apply(job: Job, d: JobDirective): void {
    const now = this.clock.now();
    if (d.intervalMs !== undefined && d.intervalMs > 0 && d.intervalMs !== job.intervalMs) {
      // Re-anchor the pending due on the new interval: (previous due) + new interval.
      const prevDue = job.dueMs - job.intervalMs;
      job.intervalMs = d.intervalMs;
      job.dueMs = Math.max(now, prevDue + d.intervalMs);
      this.arm(job);
    }
    if (d.delayMs !== undefined) {
      job.dueMs = now + Math.max(0, d.delayMs);
      this.arm(job);
    }
  }
}
