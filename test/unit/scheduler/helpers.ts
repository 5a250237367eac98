// Test helpers for the scheduler tests (not a test file).
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/obs/log.ts';
import type { ManualClock } from '../../../src/lib/clock.ts';
import type { ProbeResult } from '../../../checks/types.ts';

/** A logger whose `msg` lines land in `lines`. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const dest = new Writable({
    write(chunk, _enc, cb) {
      for (const rec of String(chunk).split('\n')) {
        if (!rec) continue;
        try {
          lines.push((JSON.parse(rec) as { msg: string }).msg);
        } catch {
          lines.push(rec);
        }
      }
      cb();
    },
  });
  return { logger: createLogger({ destination: dest }), lines };
}

/** Lets promise callbacks run (the scheduler applies results in microtasks). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Advances a ManualClock in steps, flushing promises between steps. */
export async function advance(clock: ManualClock, ms: number, stepMs = 10): Promise<void> {
  const end = clock.now() + ms;
  for (let guard = 0; clock.now() < end && guard < 1_000_000; guard++) {
    clock.advanceTo(Math.min(end, clock.now() + stepMs));
    await flush();
  }
}

export function okResult(): ProbeResult {
  return { ok: true, reason: 'ok', detail: 'ok', durationMs: 0 };
}

export function koResult(): ProbeResult {
  return { ok: false, reason: 'exit', detail: 'exited with status 1', exitCode: 1, durationMs: 0 };
}

/** A probe that answers after `takesMs` of clock time (or on abort). */
export function clockProbe(clock: ManualClock, takesMs: number, outcome: () => ProbeResult) {
  return (signal: AbortSignal) =>
    new Promise<ProbeResult>((resolve) => {
      const t = clock.setTimer(takesMs, () => resolve(outcome()));
      signal.addEventListener(
        'abort',
        () => {
          t.cancel();
          const reason = signal.reason as Error;
          resolve({ ok: false, reason: reason?.name === 'TimeoutError' ? 'timeout' : 'aborted', detail: 'aborted', durationMs: 0 });
        },
        { once: true },
      );
    });
}
