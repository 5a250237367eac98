// The injected clock. The pure cores (VRRP state machine, rise/fall counters, scheduler) never
// read the time or arm timers themselves; adapters hand them `now` and run the timers they ask
// for through a Clock, so tests and the simulator can drive time by hand.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds (fractional allowed). */
  now(): number;
  /** Run `fn` once after `delayMs` milliseconds. */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

/** The real clock: performance.now() and setTimeout. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(t) };
  },
};

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A manual clock for tests and simulation: time moves only when advanced. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private queue: Pending[] = [];

  constructor(startMs = 0) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const p: Pending = { at: this.t + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.queue.push(p);
    return { cancel: () => void (p.cancelled = true) };
  }

  /** The due time of the next live timer, or undefined. */
  nextDue(): number | undefined {
    let best: Pending | undefined;
    for (const p of this.queue) if (!p.cancelled && (!best || p.at < best.at || (p.at === best.at && p.seq < best.seq))) best = p;
    return best?.at;
  }

  /** Advance time by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }

  advanceTo(target: number): void {
    for (let guard = 0; guard < 10_000_000; guard++) {
      this.queue = this.queue.filter((p) => !p.cancelled);
      let idx = -1;
      for (let i = 0; i < this.queue.length; i++) {
        const p = this.queue[i];
        if (p.at <= target && (idx < 0 || p.at < this.queue[idx].at || (p.at === this.queue[idx].at && p.seq < this.queue[idx].seq))) idx = i;
      }
      if (idx < 0) break;
      const [p] = this.queue.splice(idx, 1);
      this.t = Math.max(this.t, p.at);
      p.fn();
    }
    this.t = Math.max(this.t, target);
  }
}
