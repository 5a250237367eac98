// The master-down timer decides how fast a backup takes over, so it should not wait for the next
// whole millisecond: setTimeout brings us close, setImmediate steps cover the rest.
//
// It must also never fire ahead of adverts that are already waiting in the socket. When the event
// loop was blocked past the deadline (start-up work, a long GC pause, an overloaded host: the
// "thread timer expired" spurious failovers of keepalived issues #1955, #2066, #2271), libuv runs
// expired timers BEFORE it polls for I/O, so a naive timer would make a backup take over from a
// master whose adverts sit unread in the receive buffer. The due timer therefore fires from a
// setImmediate, which runs after the poll phase: queued adverts are handled first, and an advert
// that resets the timer cancels it in time.
import type { Clock, TimerHandle } from '../lib/clock.ts';

/**
 * How early the coarse timer wakes before the due time, ms. setTimeout's own lateness was measured
 * at up to ~2.2 ms in the daemon (bench/vrrp/failover.ts at v2 1 s: woken 2.4 ms to -0.2 ms ahead
 * with a 2 ms lead), so a 2 ms lead sometimes left the takeover that late. 3 ms, not more: the
 * setImmediate steps that cover the lead allocate, and a longer spin meets a scavenge more often
 * (4 ms measured no better at 10 ms adverts). They cost only the lead's time, once per takeover.
 */
export const PRECISE_LEAD_MS = 3;

/**
 * `prepare`, if given, runs once when the coarse timer wakes, PRECISE_LEAD_MS before the due time:
 * work done there (the instance precomputes its takeover) is off the path from due time to fire.
 */
export function preciseTimer(clock: Clock, atMs: number, fire: () => void, prepare?: () => void): TimerHandle {
  let cancelled = false;
  let inner: TimerHandle | undefined;
  const wake = () => {
    if (cancelled) return;
    prepare?.();
    spin();
  };
  const spin = () => {
    if (cancelled) return;
    if (clock.now() >= atMs) {
      setImmediate(() => {
        if (!cancelled) fire();
      });
    } else setImmediate(spin);
  };
  inner = clock.setTimer(Math.max(0, Math.floor(atMs - clock.now()) - PRECISE_LEAD_MS), wake);
  return {
    cancel: () => {
      cancelled = true;
      inner?.cancel();
      inner = undefined;
    },
  };
}
