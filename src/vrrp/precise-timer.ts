// The master-down timer decides how fast a backup takes over, so it should not wait for the next
// whole millisecond. Three steps: setTimeout wakes us PRECISE_LEAD_MS early (it rounds to whole
// ms and runs late), a kernel deadline (timerfd, src/native/deadline.ts) sleeps until SPIN_MS
// before the due time, and setImmediate steps cover those last SPIN_MS. Sleeping matters: the
// earlier busy wait over the whole 3 ms lead was preempted on a loaded 2-core host and took over
// late (bench/vrrp/failover.ts, graceful handover at 10 ms adverts: 6.2 to 11 ms against a 6.1 ms
// floor). The short spin absorbs the wake-up latency of a sleeping process (0.1 to 0.2 ms here,
// sometimes 0.7). Without the addon the spin covers the whole lead, as before.
//
// It must also never fire ahead of adverts that are already waiting in the socket. When the event
// loop was blocked past the deadline (start-up work, a long GC pause, an overloaded host: the
// "thread timer expired" spurious failovers of keepalived issues #1955, #2066, #2271), libuv runs
// expired timers BEFORE it polls for I/O, so a naive timer would make a backup take over from a
// master whose adverts sit unread in the receive buffer. The due timer therefore fires from a
// setImmediate, which runs after the poll phase: queued adverts are handled first, and an advert
// that resets the timer cancels it in time. Each spin step is a setImmediate, so a poll phase runs
// between steps and before the first one: the step that finds the time due fires at once.
import type { Clock, TimerHandle } from '../lib/clock.ts';
import { deadline, type DeadlineHandle } from '../native/deadline.ts';

/**
 * How early the coarse timer wakes before the due time, ms. setTimeout's own lateness was measured
 * at up to ~2.2 ms in the daemon (bench/vrrp/failover.ts at v2 1 s: woken 2.4 ms to -0.2 ms ahead
 * with a 2 ms lead), so a 2 ms lead sometimes left the takeover that late. The lead also gives
 * `prepare` its time off the path from due time to fire.
 */
export const PRECISE_LEAD_MS = 3;

/** How long before the due time the kernel deadline wakes us to spin the rest, ms. */
export const SPIN_MS = 0.5;

/**
 * `prepare`, if given, runs once when the coarse timer wakes, PRECISE_LEAD_MS before the due time:
 * work done there (the instance precomputes its takeover) is off the path from due time to fire.
 * `useKernelDeadline` false forces the spin over the whole lead (tests of both paths).
 */
export function preciseTimer(clock: Clock, atMs: number, fire: () => void, prepare?: () => void, useKernelDeadline = true): TimerHandle {
  let cancelled = false;
  let inner: TimerHandle | undefined;
  let kernel: DeadlineHandle | undefined;
  const spin = () => {
    if (cancelled) return;
    if (clock.now() >= atMs) fire();
    else setImmediate(spin);
  };
  const wake = () => {
    if (cancelled) return;
    prepare?.();
    if (cancelled) return;
    if (useKernelDeadline) {
      try {
        kernel = deadline(atMs - SPIN_MS - clock.now(), () => {
          kernel = undefined;
          setImmediate(spin);
        });
        return;
      } catch {
        // no addon or no timerfd: spin over the whole lead
      }
    }
    setImmediate(spin);
  };
  inner = clock.setTimer(Math.max(0, Math.floor(atMs - clock.now()) - PRECISE_LEAD_MS), wake);
  return {
    cancel: () => {
      cancelled = true;
      inner?.cancel();
      inner = undefined;
      kernel?.cancel();
      kernel = undefined;
    },
  };
}
