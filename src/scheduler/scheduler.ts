// The periodic-check scheduler: many checks, one Clock.
//
// * Two cadences, as keepalived has two:
//   - 'fixed' (vrrp_script): the next due time is the previous due time + interval (keepalived
//     re-arms its vrrp_script timer when the run starts, vrrp_scheduler.c vrrp_script_thread; we
//     anchor on the due time so a slow event loop does not stretch the period). If the loop fell
//     behind by whole intervals, those dues are counted as `missed` and the schedule jumps ahead
//     (no burst).
//   - 'completion' (real-server checkers): the next run is armed when the previous one ends, at
//     end + delay_loop (or + delay_before_retry), as keepalived's check_*.c epilogues do with
//     thread_add_timer(..., checker->delay_loop). A dead server whose probe takes connect_timeout
//     >= delay_loop is then checked back to back instead of skipping every other run.
// * Start-up jitter: the caller gives each check its first delay (see warmupDelayMs: keepalived's
//   1 s + random(0..warmup) for real-server checkers; 0 for vrrp_script, which runs at once).
// * A bound on concurrent probes: runs beyond `maxConcurrent` wait in a FIFO queue.
// * A per-probe ceiling: `timeoutMs` aborts the probe's AbortSignal with a TimeoutError.
// * Never two runs of one check at once: a 'fixed' due time that finds the previous run still
//   going is skipped, counted and logged with keepalived's line
//   `Track script NAME is already running, expect idle - skipping run` (or `is being timed out`).
// * The result handler may ask for the next run after a delay (retry / delay_before_retry) or
//   change the interval (fastinter / downinter); the new cadence anchors on that run.
// * Timers go through one TimerMux (timer-mux.ts): one Clock timer for the earliest deadline, so
//   thousands of checks cost one heap entry each rather than one Node timer each.
// * remove()/stop() cancel timers, abort every in-flight probe and wait for them to settle (script
//   probes kill their process group on abort), so a reload never leaves a probe behind.
import type { Clock, TimerHandle } from '../lib/clock.ts';
import { systemClock } from '../lib/clock.ts';
import type { Logger } from '../obs/log.ts';
import type { ProbeResult } from '../../checks/types.ts';
import { ProbeTimeoutError } from '../../checks/types.ts';
import { TimerMux } from './timer-mux.ts';

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
  /**
   * 'fixed' (default): due times every intervalMs, whatever the runs take (vrrp_script).
   * 'completion': the next run is intervalMs (or a directive's delayMs) after the previous one
   * ended (keepalived's real-server checkers).
   */
  cadence?: 'fixed' | 'completion';
  /** Delay before the first run (jitter/warmup decided by the caller). Default 0. */
  firstDelayMs?: number;
  /** Per-probe ceiling; the probe's signal aborts with a TimeoutError after it. */
  timeoutMs: number;
  run(signal: AbortSignal): Promise<ProbeResult>;
  onResult?(result: ProbeResult, info: RunInfo): JobDirective | void;
  /** The line logged for a skipped run; default keepalived's track-script line. */
  skipLine?(name: string, beingTimedOut: boolean): string;
  /**
   * An event source that asks for a run now (FILE_CHECK: the tracked file changed). Called once
   * when the check is added with `wake`; returns the unsubscribe, called on remove/stop. A wake
   * during a run asks for one more run right after it.
   */
  watch?(wake: () => void): () => void;
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
  /** A watch wake came during a run: run again when it ends. */
  rerun: boolean;
  unwatch?: () => void;
  /** `() => this.fire(job)`, made once: re-arming every run allocates no new closure. */
  fireFn: () => void;
  stats: { runs: number; skipped: number; missed: number; timeouts: number; lastLatenessMs: number };
}

/**
 * The wake-up grid the daemon's real-server checkers use (SchedulerOptions.coalesceMs): checks due
 * within the same 5 ms start in one event-loop wake-up. Measured with bench/checks.ts at 1,000
 * HTTP checks/s, a 5-10 ms grid cut the checker's CPU per check by roughly 10-20 % (fewer
 * wake-ups, each connect/response batch handled together), for at most 5 ms of added lateness on
 * delay_loops counted in seconds. vrrp_script timing stays exact.
 */
export const CHECKER_WAKEUP_GRID_MS = 5;

export function defaultSkipLine(name: string, beingTimedOut: boolean): string {
  return `Track script ${name} is ${beingTimedOut ? 'being timed out' : 'already running'}, expect idle - skipping run`;
}

export class Scheduler {
  private readonly clock: Clock;
  private readonly maxConcurrent: number;
  private readonly logger?: Logger;
  private readonly onRunStart?: SchedulerOptions['onRunStart'];
  private readonly timers: TimerMux;
  private readonly jobs = new Map<string, Job>();
  private readonly queue: Array<{ job: Job; dueMs: number }> = [];
  private active = 0;
  private stopped = false;

  constructor(opts: SchedulerOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.maxConcurrent = Math.max(1, opts.maxConcurrent ?? 256);
    this.logger = opts.logger;
    this.onRunStart = opts.onRunStart;
    this.timers = new TimerMux(this.clock, opts.coalesceMs ?? 0);
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
      rerun: false,
      fireFn: () => this.fire(job),
      stats: { runs: 0, skipped: 0, missed: 0, timeouts: 0, lastLatenessMs: 0 },
    };
    this.jobs.set(spec.id, job);
    this.arm(job);
    if (spec.watch) {
      try {
        job.unwatch = spec.watch(() => this.wake(job));
      } catch (err) {
        this.logger?.error({ check: spec.id, err }, `watch of ${spec.id} failed; polling only`);
      }
    }
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
    job.unwatch?.();
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
      job.unwatch?.();
      job.ac?.abort(new DOMException('scheduler stopped', 'AbortError'));
      if (job.inflight) waits.push(job.inflight);
    }
    this.queue.length = 0;
    this.jobs.clear();
    this.timers.clear();
    await Promise.all(waits);
  }

  /** Runs a check now, outside its cadence (if idle). Returns false if it was busy. */
  triggerNow(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || job.busy) return false;
    if (job.spec.cadence === 'completion') job.timer?.cancel(); // re-armed when this run ends
    this.start(job, this.clock.now());
    return true;
  }

  /** A watch fired: run now, or once more right after the run in progress. */
  private wake(job: Job): void {
    if (job.removed) return;
    if (job.busy) {
      job.rerun = true;
      return;
    }
    if (job.spec.cadence === 'completion') job.timer?.cancel();
    this.start(job, this.clock.now());
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
    job.timer = this.timers.at(job.dueMs, job.fireFn);
  }

  private fire(job: Job): void {
    if (job.removed) return;
    const due = job.dueMs;
    job.timer = undefined;
    if (job.spec.cadence === 'completion') {
      // Nothing is armed while the run goes; its end arms the next one.
      if (!job.busy) this.start(job, due);
      return;
    }
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
    const ceiling = this.timers.after(job.spec.timeoutMs, () => {
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
    const failed = (err: unknown): ProbeResult => ({ ok: false, reason: 'error', detail: `probe threw: ${String(err)}`, durationMs: this.clock.now() - startMs });
    job.inflight = probe
      .then(undefined, failed)
      .then((res) => {
        ceiling.cancel();
        this.active--;
        job.busy = false;
        job.timingOut = false;
        job.ac = undefined;
        job.inflight = undefined;
        this.pump();
        if (job.removed || this.stopped) return;
        const endMs = this.clock.now();
        let directive: JobDirective | void = undefined;
        try {
          directive = job.spec.onResult?.(res, { dueMs, startMs, endMs });
        } catch (err) {
          this.logger?.error({ check: job.spec.id, err }, `result handler of ${job.spec.id} failed`);
        }
        if (job.removed || this.stopped) return;
        if (job.spec.cadence === 'completion') this.rearmAfter(job, endMs, directive || undefined);
        else if (directive) this.apply(job, directive);
        if (job.rerun) {
          job.rerun = false;
          this.wake(job);
        }
      });
  }

  private pump(): void {
    while (this.active < this.maxConcurrent && this.queue.length > 0) {
      const next = this.queue.shift()!;
      if (next.job.removed) continue;
      this.launch(next.job, next.dueMs);
    }
  }

  /** 'completion' cadence: the next run is the directive's delay, else the interval, after `endMs`. */
  private rearmAfter(job: Job, endMs: number, d: JobDirective | undefined): void {
    if (d?.intervalMs !== undefined && d.intervalMs > 0) job.intervalMs = d.intervalMs;
    job.dueMs = endMs + (d?.delayMs !== undefined ? Math.max(0, d.delayMs) : job.intervalMs);
    this.arm(job);
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
