// Many timers on one: a binary min-heap of deadlines behind a single Clock timer armed for the
// earliest one. The scheduler arms a timer per check run and a per-probe ceiling; at 10,000
// checks per second one Node timer each (with fractional, ever-different delays, so a new Node
// timer list per call) costs measurable CPU and wakes the event loop once per check. Here a
// wake-up runs every deadline already due (and, with `granularityMs`, every deadline within the
// same grid cell), so checks due close together share one wake-up.
//
// Cancelled timers stay in the heap until they surface (lazy deletion); the heap is compacted
// when they outnumber the live ones, so a cancel-heavy load (ceilings that almost never fire)
// keeps it bounded.
import type { Clock, TimerHandle } from '../lib/clock.ts';

// A class, not an object literal with a `cancel` closure: one allocation per timer instead of
// two. At 5,000 checks/s each run's timer lives ~1 s (the delay_loop), so everything allocated
// per timer survives young-generation GCs and is copied by them; fewer objects, shorter pauses.
class Entry implements TimerHandle {
  at: number;
  seq: number;
  fn: (() => void) | null;
  private readonly mux: TimerMux;

  constructor(mux: TimerMux, at: number, seq: number, fn: () => void) {
    this.mux = mux;
    this.at = at;
    this.seq = seq;
    this.fn = fn;
  }

  cancel(): void {
    if (this.fn === null) return;
    this.fn = null;
    this.mux.cancelled();
  }
}

export class TimerMux {
  private readonly clock: Clock;
  private readonly granularityMs: number;
  private heap: Entry[] = [];
  private dead = 0;
  private seq = 0;
  private base: TimerHandle | undefined;
  private armedAt = Infinity;
  private firing = false;

  constructor(clock: Clock, granularityMs = 0) {
    this.clock = clock;
    this.granularityMs = Math.max(0, granularityMs);
  }

  /** Live timers (for tests and stats). */
  get size(): number {
    return this.heap.length - this.dead;
  }

  /** Runs `fn` at clock time `atMs` (or at the next wake-up when that is already past). */
  at(atMs: number, fn: () => void): TimerHandle {
    const e = new Entry(this, atMs, this.seq++, fn);
    this.push(e);
    if (!this.firing && this.wakeAt(atMs) < this.armedAt) this.arm();
    return e;
  }

  /** An entry still in the heap was cancelled (Entry.cancel). */
  cancelled(): void {
    this.dead++;
    if (this.dead > 1024 && this.dead > this.heap.length / 2) this.compact();
  }

  after(delayMs: number, fn: () => void): TimerHandle {
    return this.at(this.clock.now() + Math.max(0, delayMs), fn);
  }

  /** Cancels everything. */
  clear(): void {
    for (const e of this.heap) e.fn = null;
    this.heap = [];
    this.dead = 0;
    this.base?.cancel();
    this.base = undefined;
    this.armedAt = Infinity;
  }

  private wakeAt(at: number): number {
    const g = this.granularityMs;
    return g > 0 ? Math.ceil(at / g) * g : at;
  }

  private arm(): void {
    this.base?.cancel();
    this.base = undefined;
    this.armedAt = Infinity;
    while (this.heap.length > 0 && this.heap[0].fn === null) this.popTop();
    if (this.heap.length === 0) return;
    const wake = this.wakeAt(this.heap[0].at);
    this.armedAt = wake;
    this.base = this.clock.setTimer(wake - this.clock.now(), () => this.fire(wake));
  }

  private fire(wake: number): void {
    this.base = undefined;
    this.armedAt = Infinity;
    // Everything due up to the time this wake-up was armed for is due now, even if the clock
    // reads a hair earlier (Node's timers run on a cached millisecond loop time).
    const limit = Math.max(this.clock.now(), wake);
    this.firing = true;
    try {
      // Bounded: a callback that keeps re-arming at or before `limit` cannot spin forever.
      for (let n = 0; n < 1_000_000 && this.heap.length > 0; n++) {
        const top = this.heap[0];
        if (top.fn === null) {
          this.popTop();
          continue;
        }
        if (top.at > limit) break;
        this.popTop();
        const fn = top.fn;
        top.fn = null;
        fn();
      }
    } finally {
      this.firing = false;
      this.arm();
    }
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(e, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = e;
  }

  /** Removes the top entry (live or dead) and restores the heap. */
  private popTop(): void {
    const h = this.heap;
    const top = h[0];
    if (top.fn === null && this.dead > 0) this.dead--;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r], h[l]) ? r : l;
      if (!this.less(h[c], last)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = last;
  }

  private compact(): void {
    const live = this.heap.filter((e) => e.fn !== null);
    this.heap = [];
    this.dead = 0;
    for (const e of live) this.push(e);
  }
}
