// A one-shot deadline kept by the kernel: a timerfd (CLOCK_MONOTONIC, hrtimer precision) watched
// by the event loop like a socket. Until it is due the loop sleeps in epoll; setTimeout would round
// to whole milliseconds, and a busy wait competes for the CPU with everything else on the host
// (the failover bench at 10 ms adverts: the spinning backup was preempted and took over late).
import { native, type PollHandle } from './index.ts';

const CLOCK_MONOTONIC = 1;

export interface DeadlineHandle {
  cancel(): void;
}

/** Calls `fn` once, `delayMs` (fractional) from now, from the poll phase of the event loop. */
export function deadline(delayMs: number, fn: () => void): DeadlineHandle {
  const n = native();
  const fd = n.timerfdCreate(CLOCK_MONOTONIC);
  const at = performance.now() + delayMs;
  let poll: PollHandle | undefined;
  let fallback: ReturnType<typeof setTimeout> | undefined;
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    poll?.stop();
    n.close(fd);
  };
  try {
    n.timerfdSet(fd, Math.max(0, delayMs), false);
    poll = n.poll(fd, true, false, (err) => {
      if (!open) return;
      if (err) {
        // Never fire early on a broken watch: finish on a plain timer at the same time.
        close();
        fallback = setTimeout(fn, Math.max(0, at - performance.now()));
        return;
      }
      if (n.read(fd, 8) === null) return; // spurious wake-up: not expired yet
      close();
      fn();
    });
  } catch (e) {
    close();
    throw e;
  }
  return {
    cancel: () => {
      close();
      if (fallback) clearTimeout(fallback);
    },
  };
}
