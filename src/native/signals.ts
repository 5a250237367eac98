// Real-time signals for the daemon. Node's process.on() accepts only the named signals, so a
// SIGRTMIN+n sent by a keepalived user's script (SIGRTMIN+2 = JSON dump, keepalived(8)) would take
// the default action and terminate the daemon. The addon's generic libuv signal watcher catches
// any signal number instead.
import { native } from './index.ts';

/** SIGRTMIN as glibc defines it on Linux: the kernel's 32 and 33 are taken by NPTL. */
export const SIGRTMIN = 34;

export interface SignalWatch {
  stop(): void;
}

/**
 * Runs `fn` on every delivery of `signum`. The watcher does not keep the process alive. Throws a
 * SysError when libuv refuses the signal (EINVAL for SIGKILL / SIGSTOP / out of range).
 */
export function watchSignal(signum: number, fn: (signum: number) => void): SignalWatch {
  const h = native().signal(signum, fn);
  h.ref(false);
  return { stop: () => h.stop() };
}
