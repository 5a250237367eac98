// Rise/fall counters as pure functions: state in, result in, new state + what happened out.
// Two families, as keepalived has two:
//  * vrrp_script / track scripts (keepalived/vrrp/vrrp_scheduler.c, vrrp_script_child_thread):
//    one counter `result` in [0, rise+fall-1]; OK iff result >= rise.
//  * real-server checkers (keepalived/check/check_tcp.c tcp_epilog, check_http.c epilog,
//    check_misc.c): `is_up`, `has_run`, `retry_it`; a failure while up is retried `retry` times
//    spaced by delay_before_retry before the checker goes DOWN; a success while down is UP at once.
// Beyond keepalived (HAProxy-style): `rise` for real servers, and interval selection with
// `fastinter` (while a check is changing state) and `downinter` (while down).

// ---------------------------------------------------------------------------------------------
// vrrp_script semantics

export interface ScriptCounterConfig {
  rise: number; // >= 1 (keepalived default 1)
  fall: number; // >= 1 (keepalived default 1)
  /** `init_fail`: start failed (result 0) instead of "init" (result rise-1). */
  initFail?: boolean;
}

export interface ScriptCounterState {
  /** keepalived's vscript->result, in [0, rise+fall-1]. */
  result: number;
  /** keepalived's init_state: true until the first result has been processed. */
  init: boolean;
}

export interface ScriptStep {
  state: ScriptCounterState;
  /** 'up' / 'down' when the tracker's OK/KO changed (and keepalived logs + updates priorities). */
  transition: 'up' | 'down' | null;
}

/**
 * Initial counter, as vrrp_init_script: `rise - 1` ("one success is enough", tracker starts KO but
 * the first failure is still reported) or 0 with init_fail ("assume failed by config").
 */
export function scriptCounterInit(cfg: ScriptCounterConfig): ScriptCounterState {
  return { result: cfg.initFail ? 0 : Math.max(0, cfg.rise - 1), init: !cfg.initFail };
}

export function scriptIsOk(cfg: ScriptCounterConfig, s: ScriptCounterState): boolean {
  return s.result >= cfg.rise;
}

/**
 * One result through the counter (vrrp_script_child_thread): a success climbs towards `rise`;
 * reaching it is the KO->OK transition, after which the counter jumps to the top (rise+fall-1).
 * A failure walks down from the top; dropping to `rise` and failing once more is the OK->KO
 * transition (also reported on the very first result while still in init), then it jumps to 0.
 */
export function scriptCounterStep(cfg: ScriptCounterConfig, s: ScriptCounterState, success: boolean): ScriptStep {
  const top = cfg.rise + cfg.fall - 1;
  let result = s.result;
  let transition: ScriptStep['transition'] = null;
  if (success) {
    if (result < cfg.rise - 1) result++;
    else if (result !== top) {
      if (result < cfg.rise) transition = 'up';
      result = top;
    }
  } else if (result > cfg.rise) {
    result--;
  } else {
    if (result === cfg.rise || s.init) transition = 'down';
    result = 0;
  }
  return { state: { result, init: false }, transition };
}

/** Is the script counter between its extremes (a state change is under way)? */
export function scriptInTransition(cfg: ScriptCounterConfig, s: ScriptCounterState): boolean {
  const top = cfg.rise + cfg.fall - 1;
  return s.result !== 0 && s.result !== top;
}

// ---------------------------------------------------------------------------------------------
// real-server checker semantics

export interface RealServerCheckConfig {
  /** Extra attempts after a failure while up before DOWN (keepalived `retry`; default 1, MISC 0, DNS 3). */
  retry: number;
  /** Consecutive successes needed while down (beyond keepalived; keepalived = 1). */
  rise?: number;
  /** `alpha`: start DOWN until the first success. */
  alpha?: boolean;
  /** HTTP_GET/SSL_GET: the very first check is not retried (check_http.c sets retry_it = retry). */
  noRetryOnFirstRun?: boolean;
}

export interface RealServerCheckState {
  up: boolean; // keepalived checker->is_up
  hasRun: boolean; // keepalived checker->has_run
  retryIt: number; // keepalived checker->retry_it
  riseIt: number; // successes in a row while down (extension)
}

export type RealServerAction =
  | 'up' // became UP (log "... succeed" / "success" line, update RS)
  | 'down' // became DOWN (log "... failed after N retries." line, update RS)
  | 'confirm-up' // first success while already assumed up (keepalived logs the success line once)
  | 'confirm-down' // first run failed while already DOWN by alpha (keepalived logs the failure line)
  | 'retry' // failure while up, retry after delay_before_retry
  | 'rising' // success while down but fewer than `rise` in a row
  | 'none';

export interface RealServerStep {
  state: RealServerCheckState;
  action: RealServerAction;
  /** The retries done before a 'down' (for "failed after %u retries."). */
  retries: number;
}

export function realServerInit(cfg: RealServerCheckConfig): RealServerCheckState {
  // check_api.c: is_up = true unless alpha (then the RS starts out of the pool).
  return { up: !cfg.alpha, hasRun: false, retryIt: 0, riseIt: 0 };
}

/**
 * One probe result through a real-server checker (tcp_epilog / epilog / misc_check_child_thread):
 *  - success: retry counter reset; if not up (or never run) => UP now (or after `rise` in a row).
 *  - failure while up or never run: retry up to `retry` times (delay_before_retry), then DOWN.
 *  - failure while down: nothing changes.
 */
export function realServerStep(cfg: RealServerCheckConfig, s: RealServerCheckState, success: boolean): RealServerStep {
  const rise = Math.max(1, cfg.rise ?? 1);
  if (success) {
    if (s.up) {
      return { state: { up: true, hasRun: true, retryIt: 0, riseIt: 0 }, action: s.hasRun ? 'none' : 'confirm-up', retries: 0 };
    }
    const riseIt = s.riseIt + 1;
    // Before its first run a checker is not "rising": the first success counts in full, like
    // keepalived (alpha + first success => UP).
    if (riseIt >= rise || !s.hasRun) return { state: { up: true, hasRun: true, retryIt: 0, riseIt: 0 }, action: 'up', retries: 0 };
    return { state: { up: false, hasRun: true, retryIt: 0, riseIt }, action: 'rising', retries: 0 };
  }
  if (s.up || !s.hasRun) {
    if (s.up && s.retryIt < cfg.retry && (s.hasRun || !cfg.noRetryOnFirstRun)) {
      return { state: { up: true, hasRun: true, retryIt: s.retryIt + 1, riseIt: 0 }, action: 'retry', retries: 0 };
    }
    const action: RealServerAction = s.up ? 'down' : 'confirm-down';
    return { state: { up: false, hasRun: true, retryIt: 0, riseIt: 0 }, action, retries: s.hasRun ? s.retryIt : 0 };
  }
  return { state: { up: false, hasRun: true, retryIt: 0, riseIt: 0 }, action: 'none', retries: 0 };
}

export function realServerInTransition(s: RealServerCheckState): boolean {
  return s.retryIt > 0 || (!s.up && s.riseIt > 0);
}

// ---------------------------------------------------------------------------------------------
// interval selection (HAProxy's inter / fastinter / downinter)

export interface IntervalConfig {
  /** keepalived `interval` / `delay_loop`, HAProxy `inter`. */
  intervalMs: number;
  /** While the state is changing (rise/fall under way). Default: intervalMs. */
  fastInterMs?: number;
  /** While down (and not changing). Default: intervalMs. */
  downInterMs?: number;
}

export type CheckPhase = 'up' | 'down' | 'transition';

export function phaseInterval(cfg: IntervalConfig, phase: CheckPhase): number {
  if (phase === 'transition') return cfg.fastInterMs ?? cfg.intervalMs;
  if (phase === 'down') return cfg.downInterMs ?? cfg.intervalMs;
  return cfg.intervalMs;
}

/** The phase of a script counter: transition while between the extremes, else by OK/KO. */
export function scriptPhase(cfg: ScriptCounterConfig, s: ScriptCounterState): CheckPhase {
  if (scriptInTransition(cfg, s)) return 'transition';
  return scriptIsOk(cfg, s) ? 'up' : 'down';
}

export function realServerPhase(s: RealServerCheckState): CheckPhase {
  if (realServerInTransition(s)) return 'transition';
  return s.up ? 'up' : 'down';
}

/**
 * The delay before the next run of a real-server checker after a step: delay_before_retry while
 * retrying (keepalived), the phase interval otherwise. Returns undefined when the regular
 * cadence applies (no drift: next due = previous due + interval).
 */
export function realServerNextDelay(
  cfg: IntervalConfig & { delayBeforeRetryMs: number },
  step: RealServerStep,
): { delayMs?: number; intervalMs: number } {
  if (step.action === 'retry') return { delayMs: cfg.delayBeforeRetryMs, intervalMs: phaseInterval(cfg, 'transition') };
  return { intervalMs: phaseInterval(cfg, realServerPhase(step.state)) };
}

/** First run delay of a checker: 1 s (BOOTSTRAP_DELAY) + random(0..warmup) as check_api.c does. */
export function warmupDelayMs(warmupMs: number, random: () => number, bootstrapMs = 1000): number {
  return bootstrapMs + (warmupMs > 0 ? Math.floor(warmupMs * random()) : 0);
}
