// Creating a socket inside a named network namespace (`ip netns add NAME` makes /run/netns/NAME).
// A socket belongs to the namespace its creating thread was in at socket() time and keeps it for
// life, so we setns(2) Node's main thread into the target, create the socket, and setns back, all
// synchronously: no other JavaScript can run in between, and libuv's worker threads are separate
// threads whose namespace setns does not touch.
import { closeSync, openSync } from 'node:fs';
import { CLONE_NEWNET } from './constants.ts';
import { native } from './index.ts';

/** Path of a named namespace as iproute2 creates it. */
export function netnsPath(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === '.' || name === '..') throw new TypeError(`bad netns name ${JSON.stringify(name)}`);
  return `/run/netns/${name}`;
}

/**
 * Runs `fn` (synchronous only: a Promise would escape the namespace switch) with the main thread
 * in network namespace `name`, then returns to the original namespace even when `fn` throws.
 * With `name` undefined, just runs `fn`.
 */
export function inNetns<T>(name: string | undefined, fn: () => T): T {
  if (name === undefined) return fn();
  const n = native();
  // thread-self, not self: setns is per thread and this is the thread we switch.
  const home = openSync('/proc/thread-self/ns/net', 'r');
  let target: number | undefined;
  try {
    target = openSync(netnsPath(name), 'r');
    n.setns(target, CLONE_NEWNET);
    try {
      const r = fn();
      if (r instanceof Promise) throw new TypeError('inNetns: fn must be synchronous');
      return r;
    } finally {
      // Failing to get back would leave every later socket in the wrong namespace: fatal.
      try {
        n.setns(home, CLONE_NEWNET);
      } catch (e) {
        process.emitWarning(`cannot return to the original network namespace: ${(e as Error).message}`);
        process.abort();
      }
    }
  } finally {
    if (target !== undefined) closeSync(target);
    closeSync(home);
  }
}
