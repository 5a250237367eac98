// Health checks: the scheduler, the pure rise/fall cores, and the pieces the wiring needs.
//
// API (everything here is importable from 'src/scheduler/index.ts'; probes live in checks/):
//
// Scheduler (scheduler.ts) — runs many periodic checks on one injected Clock.
//   new Scheduler({ clock?, maxConcurrent?, logger?, onRunStart?, coalesceMs? })
//   .add(spec: JobSpec)            spec = { id, name?, intervalMs, cadence?, firstDelayMs?, timeoutMs,
//                                           run(signal) => Promise<ProbeResult>,
//                                           onResult?(result, info) => JobDirective | void,
//                                           skipLine?(name, beingTimedOut), watch?(wake) => unwatch }
//   .remove(id) / .stop()          abort in-flight probes (scripts: process group killed), await them
//   .triggerNow(id) .stats(id) .inFlight .queued
//   JobDirective = { delayMs? (retry after), intervalMs? (fastinter/downinter) }
//   cadence 'fixed' (default, vrrp_script): no drift (next due = previous due + interval), a run
//   due while the previous one is still going is skipped + counted + logged (`Track script NAME
//   is already running, expect idle - skipping run`). cadence 'completion' (real-server checkers,
//   as keepalived): next run = end of the previous + interval (or the retry delay), never skipped.
//   FIFO bound on concurrency, per-probe ceiling (signal aborts with a TimeoutError). All timers
//   go through one TimerMux (timer-mux.ts: a heap behind one Clock timer); coalesceMs puts
//   wake-ups on a grid (the daemon's checkers use CHECKER_WAKEUP_GRID_MS).
//
// Pure counters (risefall.ts):
//   scriptCounterInit(cfg) / scriptCounterStep(cfg, state, success) -> { state, transition }
//     keepalived vrrp_script: counter in [0, rise+fall-1], OK iff >= rise; init_fail.
//   realServerInit(cfg) / realServerStep(cfg, state, success) -> { state, action, retries }
//     keepalived checkers: retry + delay_before_retry while up, UP at once while down (or after
//     `rise`), alpha, noRetryOnFirstRun (HTTP/SSL).
//   phaseInterval(cfg, 'up'|'down'|'transition'), scriptPhase, realServerPhase,
//   realServerNextDelay(cfg, step), warmupDelayMs(warmupMs, random)
//
// Monitors (monitors.ts) — probe + counter + keepalived log lines, as a JobSpec:
//   new ScriptTracker({ name, probe, intervalMs, rise, fall, initFail?, fastInterMs?,
//                       downInterMs?, logger?, onChange?(ok, result) }).job()
//   new CheckerMonitor({ id, kind, service, vs?, miscPath?, probe, intervalMs, retry,
//                        delayBeforeRetryMs, warmupMs?, alpha?, rise?, fastInterMs?,
//                        downInterMs?, logAllFailures?, logger?, onChange?(up, result),
//                        onWeight?(weight|undefined), file?, rsWeight?, readNow?, watch? }).job()
//     (file/readNow/watch: FILE_CHECK, the file's value decides at once; see from-model.ts)
//   .handle(result) is public: feed results by hand (simulator, tests).
//
// Wiring helpers (track.ts, realserver.ts):
//   effectiveTrackState(ok, { weight, reverse? }) -> { fault, delta }   (vrrp_script & co.)
//   trackFileStatus(value, { weight, reverse? }) -> { fault, delta }     (track_file)
//   fileCheckStatus(value, { weight, reverse? }) -> { down, delta }      (FILE_CHECK)
//   effectivePriority(base, effects) -> { priority in [1,254] (255 fixed), fault }
//   new RealServerHealth({ weight, checkers: [{ id, alpha? }] })
//     .setChecker(id, up) / .setDynamicWeight(id, w|undefined) / .setWeightDelta(id, d) -> events
//     .on(listener) .alive (all checkers up) .weight (configured + checker deltas, >= 0)
//     .failedCheckers
//     events: { type: 'up'|'down', weight } | { type: 'weight', from, to, alive }
//
// From the config model (from-model.ts), pure construction for the wiring:
//   scriptProbe(vrrpScript, globals) / scriptTrackerOptions(vrrpScript, globals)
//   checkerProbe(checker, { rs, vs?, vsVirtualhost?, globals?, engine? }) -> probe | { unsupported }
//   checkerMonitorOptions(id, checker, ctx) -> CheckerMonitorOptions (minus callbacks)
//   fileCheckSpec(checker, trackFiles) -> { file, weight, reverse } | { unsupported }
//   (globals.trackFiles: the model's track_file blocks, for FILE_CHECK)
//
// Probes (checks/*.ts), each `(target, options, signal?) => Promise<ProbeResult>`, never throwing
// for a down backend: probeScript (script.ts, + prepareScript, splitCommand, resolveUser),
// probeTrackFile (+ readTrackFileSync, watchTrackFile), probeHttp (undici), probeHttpLite /
// compileHttpCheck (node:net/tls, response parsing in checks/http-response.ts), probeTcp, probeDns,
// probeSmtp, probeUdp, probePing (raw ICMP socket). ProbeResult = { ok, reason, detail, weight?, exitCode?, signal?, value?, durationMs }.

export * from './scheduler.ts';
export * from './timer-mux.ts';
export * from './risefall.ts';
export * from './monitors.ts';
export * from './track.ts';
export * from './realserver.ts';
export * from './from-model.ts';
export type { ProbeResult, ProbeReason } from '../../checks/types.ts';
export { fmtTrio } from '../../checks/types.ts';
