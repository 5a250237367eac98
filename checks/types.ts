// What every probe returns. A down backend is data, not an exception: every probe resolves with a
// ProbeResult (only a bug throws). `reason` is a stable code that logs, metrics and tests key on.

export type ProbeReason =
  | 'ok'
  | 'refused' // TCP RST / ICMP port unreachable
  | 'timeout' // connect_timeout / script timeout / scheduler per-probe ceiling
  | 'aborted' // cancelled by stop/reload (not a verdict on the backend)
  | 'reset' // connection reset or closed before a complete answer
  | 'unreachable' // EHOSTUNREACH / ENETUNREACH / EADDRNOTAVAIL
  | 'tls' // TLS handshake or certificate verification failure
  | 'status' // HTTP status not in status_code, SMTP reply code not the expected one
  | 'digest' // MD5 of the HTTP body differs from `digest`
  | 'malformed' // a reply we could not parse (HTTP, DNS, SMTP)
  | 'dns_rcode' // DNS reply with RCODE != 0
  | 'exit' // script exited non-zero
  | 'signal' // script killed by a signal it was not sent by us
  | 'not_found' // script not found / not accessible
  | 'not_executable'
  | 'insecure' // enable_script_security refused the script
  | 'spawn' // fork/exec failed
  | 'missing' // track file missing (keepalived reads it as 0)
  | 'garbage' // track file without a number (keepalived reads it as 0)
  | 'range' // track file number out of range (keepalived ignores it)
  | 'error'; // any other socket error; `detail` has the code

export interface ProbeResult {
  ok: boolean;
  reason: ProbeReason;
  detail: string;
  /** MISC_CHECK misc_dynamic: the weight the exit code asks for (exit - 2). */
  weight?: number;
  /** Scripts: the exit status when the process exited. */
  exitCode?: number;
  /** Scripts: the terminating signal name (SIGTERM ...). */
  signal?: string;
  /** Track files: the value read (0 when missing/garbage, as keepalived). */
  value?: number;
  /** Wall time the probe took (from a monotonic clock). */
  durationMs: number;
}

/** A probe: never throws for a down backend; honours `signal` (abort => reason 'timeout' or 'aborted'). */
export type Probe<T, O> = (target: T, options: O, signal?: AbortSignal) => Promise<ProbeResult>;

/** Thrown (as abort reason) by the scheduler's per-probe ceiling, so probes can report 'timeout'. */
export class ProbeTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(message = 'probe timed out') {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** Is this abort a timeout (ours, or AbortSignal.timeout's)? */
export function isTimeoutReason(reason: unknown): boolean {
  return reason instanceof Error && (reason.name === 'TimeoutError' || (reason as { code?: string }).code === 'ETIMEDOUT');
}

/** Maps a Node socket error to a reason code. */
export function socketErrorReason(err: unknown): ProbeReason {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return 'reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
    case 'EHOSTDOWN':
      return 'unreachable';
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 'reset';
  }
  if (/^(ERR_SSL|ERR_TLS|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL|HOSTNAME_MISMATCH|ERR_TLS_CERT)/.test(code)) return 'tls';
  return 'error';
}

export function errorDetail(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return code ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** The reason to report when `signal` aborted a probe. */
export function abortReason(signal: AbortSignal | undefined): ProbeReason {
  return signal && isTimeoutReason(signal.reason) ? 'timeout' : 'aborted';
}

export function nowMs(): number {
  return performance.now();
}

export function result(ok: boolean, reason: ProbeReason, detail: string, startMs: number, extra: Partial<ProbeResult> = {}): ProbeResult {
  return { ok, reason, detail, durationMs: nowMs() - startMs, ...extra };
}

/** Formats an address the way keepalived's inet_sockaddrtotrio does: `[ip]:tcp:port`. */
export function fmtTrio(ip: string, port: number, proto = 'tcp'): string {
  return `[${ip}]:${proto}:${port}`;
}

/**
 * The one-shot ending every socket probe shares: the first verdict wins, and the timeout, the
 * abort listener and the socket (`release`) are let go exactly once. Returns `finish`.
 */
export function settleProbe(o: {
  resolve: (r: ProbeResult) => void;
  start: number;
  timeoutMs: number;
  /** The verdict when nothing decided within timeoutMs. */
  onTimeout: () => ProbeResult;
  signal?: AbortSignal;
  release: () => void;
}): (r: ProbeResult) => void {
  let done = false;
  const finish = (r: ProbeResult) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    o.release();
    o.resolve(r);
  };
  const timer = setTimeout(() => finish(o.onTimeout()), o.timeoutMs);
  const onAbort = () => finish(result(false, abortReason(o.signal), 'aborted', o.start));
  o.signal?.addEventListener('abort', onAbort, { once: true });
  return finish;
}
