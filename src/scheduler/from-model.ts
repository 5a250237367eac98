// From the config model (src/config/model.ts) to probes and monitor options: pure construction,
// no side effects until a probe runs. The wiring (VRRP / LVS) adds the callbacks and the
// Scheduler; this file only decides what to run and with which keepalived defaults.
//  * HTTP_GET / SSL_GET use the lean node:net/tls probe (checks/http-lite.ts); `engine: 'undici'`
//    picks checks/http.ts instead.
//  * FILE_CHECK reads the named top-level track_file (keepalived check_file.c): read once at
//    build time, then again whenever its directory reports a change, with a 5 s poll behind it.
//  * Script user: per-script `user`, else global `script_user`, else `keepalived_script` if that
//    account exists, else the daemon's own uid (keepalived core/notify.c get_default_script_user).
import { probePing } from '../../checks/ping.ts';
import type { Checker, RealServer, TrackFile, VrrpScript } from '../config/model.ts';
import { probeTrackFile, readTrackFileSync, watchTrackFile } from '../../checks/track-file.ts';
import type { ProbeResult } from '../../checks/types.ts';
import { fmtTrio } from '../../checks/types.ts';
import { compileHttpCheck } from '../../checks/http-lite.ts';
import { probeHttp } from '../../checks/http.ts';
import { probeTcp } from '../../checks/tcp.ts';
import { probeDns } from '../../checks/dns.ts';
import { probeSmtp } from '../../checks/smtp.ts';
import { probeUdp } from '../../checks/udp.ts';
import { prepareScript, probeScript, resolveUser, splitCommand, type PreparedScript, type UserId } from '../../checks/script.ts';
import type { CheckerKind, CheckerMonitorOptions, ScriptTrackerOptions } from './monitors.ts';

export interface ScriptGlobals {
  scriptUser?: string[];
  enableScriptSecurity?: boolean;
  /** Kill grace after SIGTERM (keepalived 2 s). */
  graceMs?: number;
  /** The configuration's track_file blocks (FILE_CHECK names one). */
  trackFiles?: readonly TrackFile[];
}

export type ProbeFn = (signal: AbortSignal) => Promise<ProbeResult>;

/**
 * The user a script runs as: its own `user`, else global `script_user`, else `keepalived_script`
 * when that account exists (keepalived's default), else undefined (the daemon's own uid).
 */
export function scriptUserFor(words: string[] | undefined, globals: ScriptGlobals, passwdFiles?: { passwd: string; group: string }): UserId | undefined {
  const w = words && words.length > 0 ? words : globals.scriptUser;
  if (w && w.length > 0) return resolveUser(w[0], w[1], passwdFiles);
  try {
    return resolveUser('keepalived_script', undefined, passwdFiles);
  } catch {
    return undefined;
  }
}

const userOf = (words: string[] | undefined, globals: ScriptGlobals) => scriptUserFor(words, globals);

/** A vrrp_script's probe, prepared once (path search, security) as keepalived does at load. */
export function scriptProbe(script: Pick<VrrpScript, 'script' | 'timeoutMs' | 'user'>, globals: ScriptGlobals = {}): { probe: ProbeFn; prepared: PreparedScript } {
  const user = userOf(script.user, globals);
  const prepared = prepareScript(splitCommand(script.script), { user, enableScriptSecurity: globals.enableScriptSecurity });
  const opts = { timeoutMs: script.timeoutMs, graceMs: globals.graceMs, user };
  return { prepared, probe: (signal) => probeScript(prepared, opts, signal) };
}

/** ScriptTracker options for a vrrp_script (callbacks left to the wiring). */
export function scriptTrackerOptions(s: VrrpScript, globals: ScriptGlobals = {}): Omit<ScriptTrackerOptions, 'logger' | 'onChange'> {
  return {
    name: s.name,
    rise: s.rise,
    fall: s.fall,
    initFail: s.initFail,
    intervalMs: s.intervalMs,
    probe: scriptProbe(s, globals).probe,
    ceilingMs: s.timeoutMs + 3 * (globals.graceMs ?? 2000),
  };
}

const kinds: Record<string, CheckerKind> = {
  HTTP_GET: 'HTTP',
  SSL_GET: 'SSL',
  TCP_CHECK: 'TCP',
  MISC_CHECK: 'MISC',
  DNS_CHECK: 'DNS',
  SMTP_CHECK: 'SMTP',
  UDP_CHECK: 'UDP',
  FILE_CHECK: 'FILE',
  PING_CHECK: 'PING',
};

export interface CheckerContext {
  rs: Pick<RealServer, 'address' | 'port' | 'virtualhost'> & { weight?: number };
  /** `[vip]:tcp:port` of the virtual server, for log lines. */
  vs?: string;
  vsVirtualhost?: string;
  protocol?: 'tcp' | 'udp' | 'sctp';
  globals?: ScriptGlobals & { smtpHeloName?: string };
  engine?: 'lite' | 'undici';
}

/** The probe for one checker, or a reason it cannot run (PING_CHECK needs raw sockets). */
export function checkerProbe(c: Checker, ctx: CheckerContext): ProbeFn | { unsupported: string } {
  const host = c.connectIp ?? ctx.rs.address;
  const port = c.connectPort ?? ctx.rs.port ?? 0;
  const target = { host, port };
  const localAddress = c.bindto;
  switch (c.type) {
    case 'HTTP_GET':
    case 'SSL_GET': {
      const opts = {
        urls: (c.urls ?? []).map((u) => ({ path: u.path, digest: u.digest, statusCodes: u.statusCode, virtualhost: u.virtualhost })),
        tls: c.type === 'SSL_GET',
        virtualhost: c.virtualhost ?? ctx.rs.virtualhost ?? ctx.vsVirtualhost,
        timeoutMs: c.connectTimeoutMs,
        localAddress,
        sni: c.enableSni ? (c.sniName ?? c.virtualhost ?? ctx.rs.virtualhost ?? ctx.vsVirtualhost) : undefined,
        httpProtocol: c.httpProtocol ?? '1.0',
      };
      if (ctx.engine === 'undici') return (signal) => probeHttp(target, opts, signal);
      // Compiled once per checker: request bytes, status sets and digest are not rebuilt per run.
      return compileHttpCheck(target, opts);
    }
    case 'TCP_CHECK':
      return (signal) => probeTcp(target, { connectTimeoutMs: c.connectTimeoutMs, localAddress, localPort: c.bindPort }, signal);
    case 'DNS_CHECK':
      return (signal) => probeDns({ host, port: c.connectPort ?? 53 }, { type: c.dnsType, name: c.dnsName, timeoutMs: c.connectTimeoutMs, localAddress }, signal);
    case 'SMTP_CHECK':
      return (signal) => probeSmtp({ host, port: c.connectPort ?? 25 }, { heloName: c.heloName ?? ctx.globals?.smtpHeloName, timeoutMs: c.connectTimeoutMs, localAddress }, signal);
    case 'UDP_CHECK':
      return (signal) => probeUdp(target, { timeoutMs: c.connectTimeoutMs, localAddress }, signal);
    case 'MISC_CHECK': {
      if (!c.miscPath) return { unsupported: 'MISC_CHECK without misc_path' };
      const g = ctx.globals ?? {};
      const user = userOf(c.user, g);
      const prepared = prepareScript(splitCommand(c.miscPath), { user, enableScriptSecurity: g.enableScriptSecurity });
      const opts = { timeoutMs: c.miscTimeoutMs ?? c.delayLoopMs, graceMs: g.graceMs, user, dynamic: c.miscDynamic };
      return (signal) => probeScript(prepared, opts, signal);
    }
    case 'PING_CHECK':
      return (signal) => probePing({ host }, { timeoutMs: c.connectTimeoutMs }, signal);
    case 'FILE_CHECK': {
      const f = fileCheckSpec(c, ctx.globals?.trackFiles);
      if ('unsupported' in f) return f;
      return (signal) => probeTrackFile(f.file.path, {}, signal);
    }
    default:
      return { unsupported: `${c.type} is not implemented` };
  }
}

/** How often a FILE_CHECK file is read besides its change notifications (as the VRRP side's track_file). */
export const FILE_CHECK_POLL_MS = 5000;

/**
 * FILE_CHECK { track_file NAME; weight N [reverse|noreverse] }: the named track_file block and
 * the weight to use (check_file.c: the checker's own weight, else the track_file's).
 */
export function fileCheckSpec(c: Pick<Checker, 'kept'>, trackFiles: readonly TrackFile[] | undefined): { file: TrackFile; weight: number; reverse: boolean } | { unsupported: string } {
  const words = (k: string) => c.kept.filter((x) => x.keyword === k).at(-1)?.args;
  const name = words('track_file')?.[0];
  if (name === undefined) return { unsupported: 'FILE_CHECK has no track_file specified' };
  const file = trackFiles?.find((t) => t.name === name);
  if (!file) return { unsupported: `FILE_CHECK: track_file ${name} not found` };
  const w = words('weight');
  if (!w) return { file, weight: file.weight, reverse: file.weightReverse };
  const weight = /^[+-]?\d+$/.test(w[0]) ? Number(w[0]) : NaN;
  if (!(Math.abs(weight) <= 2147483647)) return { unsupported: `FILE_CHECK: weight '${w[0]}' must be an integer in [-2147483647, 2147483647]` };
  if (w[1] !== undefined && w[1] !== 'reverse' && w[1] !== 'noreverse') return { unsupported: `FILE_CHECK: unknown weight option '${w[1]}'` };
  return { file, weight, reverse: w[1] === 'reverse' };
}

/** CheckerMonitor options for one checker of a real server (callbacks left to the wiring). */
export function checkerMonitorOptions(id: string, c: Checker, ctx: CheckerContext): Omit<CheckerMonitorOptions, 'logger' | 'onChange' | 'onWeight'> | { unsupported: string } {
  const probe = checkerProbe(c, ctx);
  if ('unsupported' in probe) return probe;
  const kind = kinds[c.type] ?? 'TCP';
  const port = c.connectPort ?? ctx.rs.port ?? 0;
  if (c.type === 'FILE_CHECK') {
    const f = fileCheckSpec(c, ctx.globals?.trackFiles);
    if ('unsupported' in f) return f;
    const path = f.file.path;
    return {
      id,
      kind,
      service: fmtTrio(ctx.rs.address, port, ctx.protocol ?? 'tcp'),
      vs: ctx.vs,
      probe,
      // keepalived has no delay_loop, retry or alpha for file checkers: the value decides at once.
      retry: 0,
      delayBeforeRetryMs: FILE_CHECK_POLL_MS,
      intervalMs: FILE_CHECK_POLL_MS,
      firstDelayMs: FILE_CHECK_POLL_MS,
      alpha: false,
      ceilingMs: FILE_CHECK_POLL_MS,
      file: { name: f.file.name, weight: f.weight, reverse: f.reverse },
      rsWeight: ctx.rs.weight ?? 1,
      readNow: () => readTrackFileSync(path),
      watch: (wake) => watchTrackFile(path, wake),
    };
  }
  return {
    id,
    kind,
    service: fmtTrio(c.connectIp ?? ctx.rs.address, port, ctx.protocol ?? 'tcp'),
    vs: ctx.vs,
    miscPath: c.miscPath ? splitCommand(c.miscPath)[0] : undefined,
    probe,
    retry: c.retry,
    delayBeforeRetryMs: c.delayBeforeRetryMs,
    intervalMs: c.delayLoopMs,
    warmupMs: c.warmupMs,
    alpha: c.alpha,
    noRetryOnFirstRun: c.type === 'HTTP_GET' || c.type === 'SSL_GET',
    logAllFailures: c.logAllFailures,
    ceilingMs: Math.max(c.connectTimeoutMs * Math.max(1, c.urls?.length ?? 1), c.miscTimeoutMs ?? 0) + 5000,
  };
}
