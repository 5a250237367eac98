// Monitors: a probe + a pure counter + keepalived's log lines, packaged as a scheduler JobSpec.
//  * ScriptTracker: vrrp_script (vrrp_scheduler.c vrrp_script_thread / vrrp_script_child_thread)
//  * CheckerMonitor: a real-server checker (check_tcp.c, check_http.c, check_misc.c,
//    check_dns.c, check_smtp.c), retry / delay_before_retry / alpha / warmup, + rise, fastinter,
//    downinter from HAProxy.
// Monitors emit state changes through callbacks; they do not touch VRRP or IPVS (the wiring
// subscribes and uses effectiveTrackState / RealServerHealth).
import type { Logger } from '../obs/log.ts';
import type { ProbeResult } from '../../checks/types.ts';
import type { JobDirective, JobSpec } from './scheduler.ts';
import { defaultSkipLine } from './scheduler.ts';
import type { IntervalConfig, RealServerCheckConfig, RealServerCheckState, ScriptCounterConfig, ScriptCounterState } from './risefall.ts';
import {
  phaseInterval,
  realServerInit,
  realServerNextDelay,
  realServerStep,
  scriptCounterInit,
  scriptCounterStep,
  scriptIsOk,
  scriptPhase,
  warmupDelayMs,
} from './risefall.ts';
import { fileCheckStatus } from './track.ts';
import { signalNumber } from '../../checks/script.ts';

// ---------------------------------------------------------------------------------------------
// vrrp_script

export interface ScriptTrackerOptions extends ScriptCounterConfig, IntervalConfig {
  /** vrrp_script name (`chk_haproxy`). */
  name: string;
  /** The probe (normally probeScript bound to the prepared script). */
  probe: (signal: AbortSignal) => Promise<ProbeResult>;
  /** Scheduler ceiling; keepalived's `timeout` (default interval) is enforced by the probe itself,
   *  the ceiling adds the kill grace. Default: intervalMs + 5000. */
  ceilingMs?: number;
  /** First run delay (keepalived runs vrrp_scripts at once: 0). */
  firstDelayMs?: number;
  logger?: Logger;
  /** OK/KO changes of the tracker (after rise/fall). */
  onChange?(ok: boolean, result: ProbeResult): void;
}

export class ScriptTracker {
  readonly opts: ScriptTrackerOptions;
  state: ScriptCounterState;
  lastStatus: number | undefined;
  lastResult: ProbeResult | undefined;

  constructor(opts: ScriptTrackerOptions) {
    this.opts = opts;
    this.state = scriptCounterInit(opts);
  }

  get ok(): boolean {
    return scriptIsOk(this.opts, this.state);
  }

  job(id = `vrrp_script:${this.opts.name}`): JobSpec {
    return {
      id,
      name: this.opts.name,
      intervalMs: this.opts.intervalMs,
      firstDelayMs: this.opts.firstDelayMs ?? 0,
      timeoutMs: this.opts.ceilingMs ?? this.opts.intervalMs + 5000,
      run: (signal) => this.opts.probe(signal),
      onResult: (r) => this.handle(r),
      skipLine: defaultSkipLine,
    };
  }

  /** Feeds one result; returns the scheduling directive. Public so tests and the simulator can drive it. */
  handle(r: ProbeResult): JobDirective {
    const log = this.opts.logger;
    const name = this.opts.name;
    this.lastResult = r;
    if (r.reason === 'aborted') return {};
    if (r.exitCode !== undefined && r.exitCode !== this.lastStatus) {
      log?.info({ script: name, status: r.exitCode }, `Script \`${name}\` now returning ${r.exitCode}`);
      this.lastStatus = r.exitCode;
    }
    const step = scriptCounterStep(this.opts, this.state, r.ok);
    this.state = step.state;
    if (step.transition === 'up') {
      log?.info({ script: name, ok: true }, `VRRP_Script(${name}) succeeded`);
      this.opts.onChange?.(true, r);
    } else if (step.transition === 'down') {
      log?.info({ script: name, ok: false, reason: r.reason }, `VRRP_Script(${name}) ${scriptFailureText(r)}`);
      this.opts.onChange?.(false, r);
    }
    return { intervalMs: phaseInterval(this.opts, scriptPhase(this.opts, this.state)) };
  }
}

/** `failed (exited with status 1)`, `failed (due to signal 9)`, `timed_out`, or our reason. */
export function scriptFailureText(r: ProbeResult): string {
  if (r.reason === 'timeout') return 'timed_out';
  if (r.reason === 'exit') return `failed (exited with status ${r.exitCode})`;
  if (r.reason === 'signal') return `failed (due to signal ${signalNumber(r.signal ?? '')})`;
  return `failed (${r.reason}: ${r.detail})`;
}

// ---------------------------------------------------------------------------------------------
// real-server checkers

export type CheckerKind = 'TCP' | 'HTTP' | 'SSL' | 'MISC' | 'DNS' | 'SMTP' | 'UDP' | 'FILE' | 'PING';

export interface CheckerMonitorOptions extends RealServerCheckConfig, IntervalConfig {
  id: string;
  kind: CheckerKind;
  /** `[ip]:tcp:port` of the checked service (FMT_CHK). */
  service: string;
  /** `[vip]:tcp:port` of the virtual server (FMT_VS), for MISC lines. */
  vs?: string;
  /** MISC_CHECK: the script's argv[0], for its log lines. */
  miscPath?: string;
  probe: (signal: AbortSignal) => Promise<ProbeResult>;
  /** delay_before_retry (keepalived default 1 s; HTTP/SSL 3 s; DNS = delay_loop). */
  delayBeforeRetryMs: number;
  /** warmup: first run at 1 s + random(0..warmup) (default warmup = delay_loop). */
  warmupMs?: number;
  /** Override the whole first delay (tests, `rs_init_notifies`-style tools). */
  firstDelayMs?: number;
  random?: () => number;
  /** Scheduler ceiling per probe (default: intervalMs + 5000). */
  ceilingMs?: number;
  /** log_all_failures / checker_log_all_failures */
  logAllFailures?: boolean;
  logger?: Logger;
  /** Checker up/down (feed RealServerHealth.setChecker). */
  onChange?(up: boolean, result: ProbeResult): void;
  /** misc_dynamic weight requests (feed RealServerHealth.setDynamicWeight). */
  onWeight?(weight: number | undefined): void;
  /**
   * FILE_CHECK: the track_file's name and the checker's weight/reverse. The probe reads the file
   * (result `value`); the value, not retry/rise, decides (fileCheckStatus in track.ts).
   */
  file?: { name: string; weight: number; reverse: boolean };
  /** The real server's configured weight (FILE_CHECK weights are passed to onWeight as configured + delta). */
  rsWeight?: number;
  /** A synchronous first read, applied when the job is built (FILE_CHECK: keepalived reads the file at load). */
  readNow?(): ProbeResult;
  /** Ask for a run when the target changes (FILE_CHECK: the file's directory is watched). */
  watch?(wake: () => void): () => void;
}

export class CheckerMonitor {
  readonly opts: CheckerMonitorOptions;
  state: RealServerCheckState;
  private lastWeight: number | undefined;
  private lastValue: number | undefined;

  constructor(opts: CheckerMonitorOptions) {
    this.opts = opts;
    this.state = realServerInit(opts);
  }

  get up(): boolean {
    return this.state.up;
  }

  job(): JobSpec {
    const o = this.opts;
    if (o.readNow) this.handle(o.readNow());
    return {
      id: o.id,
      name: `${o.kind}_CHECK ${o.service}`,
      intervalMs: o.intervalMs,
      // keepalived's checkers arm their next run when the current one ends (check_tcp.c
      // tcp_epilog, check_http.c epilog, check_misc.c ...: thread_add_timer(delay_loop or
      // delay_before_retry)), so a slow probe never overlaps the next.
      cadence: 'completion',
      firstDelayMs: o.firstDelayMs ?? warmupDelayMs(o.warmupMs ?? o.intervalMs, o.random ?? Math.random),
      timeoutMs: o.ceilingMs ?? o.intervalMs + 5000,
      run: (signal) => o.probe(signal),
      onResult: (r) => this.handle(r),
      skipLine: (name, timingOut) => `${name} is ${timingOut ? 'being timed out' : 'already running'}, expect idle - skipping run`,
      watch: o.watch,
    };
  }

  handle(r: ProbeResult): JobDirective {
    const o = this.opts;
    if (r.reason === 'aborted') return {};
    if (o.file) return this.handleFile(r, o.file);
    const was = this.state;
    const step = realServerStep(o, this.state, r.ok);
    this.state = step.state;
    const log = o.logger;
    const fields = { checker: o.id, service: o.service, reason: r.reason };
    // misc_dynamic / FILE_CHECK dynamic weight: set on successful runs (before the UP, as
    // check_misc.c calls update_svr_wgt before update_svr_checker_state); dropped on DOWN.
    const dynamic = o.kind === 'MISC' || o.kind === 'FILE';
    const applyWeight = () => {
      const w = r.ok ? r.weight : this.state.up ? this.lastWeight : undefined;
      if (w !== this.lastWeight) {
        this.lastWeight = w;
        o.onWeight?.(w);
      }
    };
    if (dynamic && r.ok) applyWeight();
    if (!r.ok && o.logAllFailures && (was.up || !was.hasRun)) log?.info(fields, failureDetailLine(o, r));
    if (step.action === 'up' || step.action === 'confirm-up') {
      log?.info(fields, successLine(o, r));
      if (step.action === 'up') o.onChange?.(true, r);
    } else if (step.action === 'down' || step.action === 'confirm-down') {
      log?.info(fields, downLine(o, r, step.retries));
      if (step.action === 'down') o.onChange?.(false, r);
    } else if (step.action === 'retry' && o.kind === 'MISC' && o.logAllFailures) {
      log?.info(fields, miscLine(o, `failed${step.state.retryIt === 1 ? `, will do ${o.retry} ${o.retry === 1 ? 'retry' : 'retries'}` : ` on retry ${step.state.retryIt - 1}/${o.retry}`}`, r));
    }
    if (dynamic && !r.ok) applyWeight();
    return realServerNextDelay(o, step);
  }

  /**
   * FILE_CHECK (track_file.c process_update_checker_track_file_status): no retries, no rise;
   * each new value of the file decides at once. The first result always reports the state, as
   * the wiring may have started the checker down (alpha) where keepalived clears alpha for file
   * checkers.
   */
  private handleFile(r: ProbeResult, f: NonNullable<CheckerMonitorOptions['file']>): JobDirective {
    const o = this.opts;
    const log = o.logger;
    const fields = { checker: o.id, service: o.service, file: f.name };
    if (r.reason === 'range') {
      // keepalived: "Invalid number ... - ignoring", the previous value stays.
      log?.info(fields, r.detail);
      return {};
    }
    const value = r.value ?? 0;
    const first = !this.state.hasRun;
    if (!first && value === this.lastValue) return {};
    this.lastValue = value;
    const st = fileCheckStatus(value, f);
    const wasUp = this.state.up;
    this.state = { up: !st.down, hasRun: true, retryIt: 0, riseIt: 0 };
    if (st.down) {
      if (wasUp) log?.info(fields, `(${o.service}): tracked file ${f.name} now FAULT state`);
      if (wasUp || first) {
        this.lastWeight = undefined;
        o.onChange?.(false, r); // its weight goes with it (RealServerHealth.setChecker)
      }
      return {};
    }
    if (!wasUp) log?.info(fields, `(${o.service}): tracked file ${f.name} leaving FAULT state`);
    // cur_weight first, then UP, in keepalived's order.
    const w = st.delta === 0 ? undefined : (o.rsWeight ?? 0) + st.delta;
    if (w !== this.lastWeight) {
      this.lastWeight = w;
      o.onWeight?.(w);
    }
    if (!wasUp || first) o.onChange?.(true, r);
    return {};
  }
}

function miscLine(o: CheckerMonitorOptions, what: string, r: ProbeResult): string {
  const why = r.reason === 'exit' ? ` (exited with status ${r.exitCode})` : r.reason === 'signal' ? ` (due to signal ${signalNumber(r.signal ?? '')})` : '';
  return `Misc check for [${o.service} VS ${o.vs ?? '?'}] by [${o.miscPath ?? '?'}] ${what}${why}.`;
}

export function successLine(o: Pick<CheckerMonitorOptions, 'kind' | 'service' | 'vs' | 'miscPath'>, r: ProbeResult): string {
  switch (o.kind) {
    case 'TCP':
      return `TCP connection to ${o.service} success.`;
    case 'HTTP':
    case 'SSL':
      return `Remote Web server ${o.service} succeed on service.`;
    case 'SMTP':
      return `Remote SMTP server ${o.service} succeed on service.`;
    case 'MISC':
      return miscLine(o as CheckerMonitorOptions, 'succeeded', r);
    case 'DNS':
      return `DNS_CHECK (${o.service}) succeed on service.`;
    default:
      return `${o.kind}_CHECK on service ${o.service} succeeded.`;
  }
}

export function downLine(o: Pick<CheckerMonitorOptions, 'kind' | 'service' | 'vs' | 'miscPath' | 'retry'>, r: ProbeResult, retries: number): string {
  const after = retries > 0 ? ` after ${retries} ${retries === 1 && o.kind === 'MISC' ? 'retry' : 'retries'}` : '';
  switch (o.kind) {
    case 'MISC': {
      const what = r.reason === 'timeout' ? 'timed out' : 'failed';
      return miscLine(o as CheckerMonitorOptions, `${what}${o.retry ? after : ' with retry disabled'}`, r);
    }
    case 'SMTP':
      return `SMTP_CHECK ${r.detail} on service ${o.service}${after}.`;
    case 'DNS':
      return `DNS_CHECK (${o.service}) ${r.detail}${after}.`;
    default:
      return `${o.kind}_CHECK on service ${o.service} failed${after}.`;
  }
}

/** The per-failure line printed with log_all_failures. */
export function failureDetailLine(o: Pick<CheckerMonitorOptions, 'kind' | 'service' | 'vs' | 'miscPath'>, r: ProbeResult): string {
  if (o.kind === 'TCP') return `TCP connection to ${o.service} ${r.reason === 'timeout' ? 'timeout' : 'failed'}.`;
  if (o.kind === 'HTTP' || o.kind === 'SSL') {
    const msg =
      r.reason === 'status'
        ? 'HTTP status code error to'
        : r.reason === 'digest'
          ? 'MD5 digest error to'
          : r.reason === 'timeout'
            ? 'Timeout connecting'
            : r.reason === 'reset'
              ? 'Read, no data received from'
              : 'Connection failed';
    return `${msg} server ${o.service}.`;
  }
  if (o.kind === 'MISC') return miscLine(o as CheckerMonitorOptions, 'failed', r);
  return `${o.kind}_CHECK ${o.service}: ${r.detail}`;
}

/** check_api.c register_checkers_thread: logged once per checker at start. */
export function activatingLine(service: string, vs: string, enabled = true): string {
  return `${enabled ? 'A' : 'Dea'}ctivating healthchecker for service ${service} for VS ${vs}`;
}
