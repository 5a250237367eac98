// HTTP_GET / SSL_GET on bare node:net / node:tls sockets: the lean path. The benchmark
// measured undici at ~420-590 us CPU per fresh-connection check and a bare net.Socket at ~143 us,
// and a profile of this probe shows the rest is almost all kernel work (connect, write, close on
// loopback), so the per-check JavaScript is kept to the minimum:
//  * compileHttpCheck() does everything that does not change between runs once: the request
//    bytes of every url (keepalived's check_http.c request_template, see http-common.ts), the
//    status_code sets, the digest; a run only opens sockets.
//  * plain HTTP reads through node:net's `onread` into one shared buffer (no Buffer and no
//    stream 'data' event per read); the response is parsed from the bytes (http-response.ts),
//    the body streamed through MD5 only when a digest is configured.
//  * once the verdict is known a plain connection is closed with a reset (SO_LINGER 0), as
//    HAProxy closes its health-check connections: no FIN exchange and no TIME_WAIT left on the
//    server for a connection that carried one request. TLS connections close normally.
// Results are the same as checks/http.ts (test/unit/checks/http.test.ts runs both against the
// same servers).
//
// Body for the digest: the entity body after de-chunking. keepalived hashes the raw bytes after
// the header; with its default http_protocol 1.0 servers do not chunk, so both agree; with 1.1
// and a chunking server keepalived would hash the chunk framing too (we do not).
import { Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { createHash, type Hash } from 'node:crypto';
import type { ProbeResult, ProbeReason } from './types.ts';
import { abortReason, errorDetail, nowMs, result, socketErrorReason } from './types.ts';
import type { HttpOptions, HttpTarget, StatusSet, UrlCheck } from './http-common.ts';
import { buildRequest, hostHeader, normaliseDigest, statusAllowed, statusSet } from './http-common.ts';
import { ResponseReader } from './http-response.ts';

export interface FetchOutcome {
  ok: boolean;
  reason: ProbeReason;
  detail: string;
  status?: number;
  /** MD5 hex of the body, when asked for. */
  md5?: string;
  bodyBytes?: number;
}

export interface FetchOptions {
  tls?: boolean;
  timeoutMs: number;
  localAddress?: string;
  verifyTls?: boolean;
  ca?: string | Buffer;
  sni?: string;
  httpProtocol?: HttpOptions['httpProtocol'];
  /** Read the whole body and hash it. */
  hashBody: boolean;
}

/**
 * The read buffer every plain-HTTP probe shares. Safe because node:net calls `onread` and we
 * consume (parse, hash, or copy) the bytes before returning; nothing runs in between.
 */
const shared = Buffer.allocUnsafe(16 * 1024);

/** One exchange on a fresh connection: send `request`, read one response. Never throws. */
export function exchange(target: HttpTarget, request: Buffer, opts: FetchOptions, signal?: AbortSignal): Promise<FetchOutcome> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve({ ok: false, reason: abortReason(signal), detail: 'aborted before connect' });
    let hash: Hash | null = null;
    const reader = new ResponseReader(opts.hashBody ? { onBody: (b) => hash!.update(b) } : {});
    if (opts.hashBody) hash = createHash('md5');
    let done = false;
    let sock: Socket | TLSSocket;

    const finish = (o: FetchOutcome, verdict: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // A plain connection that gave a complete answer is reset rather than closed (see the
      // header comment); anything else closes normally.
      if (verdict && !opts.tls) (sock as Socket).resetAndDestroy();
      else sock.destroy();
      resolve(o);
    };
    const settle = () => {
      if (reader.state === 'done') {
        finish({ ok: true, reason: 'ok', detail: `status ${reader.status}`, status: reader.status, md5: hash?.digest('hex'), bodyBytes: reader.bodyBytes }, true);
      } else if (reader.state === 'error') {
        finish({ ok: false, reason: reader.errorReason, detail: reader.errorDetail, status: reader.status || undefined }, false);
      }
    };
    const onBytes = (chunk: Buffer) => {
      if (done) return;
      try {
        reader.push(chunk);
      } catch (err) {
        // The reader does not throw on input; this is a last guard so a bug cannot crash the daemon.
        return finish({ ok: false, reason: 'malformed', detail: `response reader: ${errorDetail(err)}` }, false);
      }
      settle();
    };
    const onEnd = () => {
      if (done) return;
      reader.end();
      settle();
    };
    const timer = setTimeout(
      () => finish({ ok: false, reason: 'timeout', detail: `no complete answer within ${opts.timeoutMs} ms`, status: reader.status || undefined }, false),
      opts.timeoutMs,
    );
    const onAbort = () => finish({ ok: false, reason: abortReason(signal), detail: 'aborted' }, false);
    signal?.addEventListener('abort', onAbort, { once: true });

    if (opts.tls) {
      sock = tlsConnect({
        host: target.host,
        port: target.port,
        localAddress: opts.localAddress,
        rejectUnauthorized: opts.verifyTls ?? false,
        ca: opts.ca,
        servername: opts.sni ?? '',
      } as ConnectionOptions); // localAddress reaches net.connect underneath
      sock.once('secureConnect', () => sock.write(request));
      sock.on('data', onBytes);
    } else {
      sock = new Socket({
        onread: {
          buffer: shared,
          callback: (n: number, buf: Buffer) => {
            onBytes(buf.subarray(0, n));
            return !done;
          },
        },
      } as ConstructorParameters<typeof Socket>[0]);
      sock.connect({ host: target.host, port: target.port, localAddress: opts.localAddress });
      sock.write(request); // queued until connected: no 'connect' listener needed
    }
    sock.on('end', onEnd);
    sock.on('close', onEnd);
    sock.on('error', (err) => {
      if (done) return;
      const reason = socketErrorReason(err);
      // A peer that resets mid-answer after the header: a close-delimited body ends there, as
      // keepalived judges what it got; anything else is the error.
      if (reason === 'reset' && reader.state === 'body' && reader.end() === 'done') return settle();
      finish({ ok: false, reason, detail: errorDetail(err), status: reader.status || undefined }, false);
    });
  });
}

/** One GET on a fresh connection (genhash and one-off callers). Never throws. */
export function fetchOnce(target: HttpTarget, path: string, host: string, opts: FetchOptions, signal?: AbortSignal): Promise<FetchOutcome> {
  return exchange(target, Buffer.from(buildRequest(path, host, opts.httpProtocol), 'latin1'), opts, signal);
}

/** Judges one url's outcome against status_code and digest. */
export function judgeUrl(url: UrlCheck, o: FetchOutcome): { ok: boolean; reason: ProbeReason; detail: string } {
  return judge(url.path, statusSet(url.statusCodes), normaliseDigest(url.digest), o);
}

function judge(path: string, set: StatusSet, want: string | undefined, o: FetchOutcome): { ok: boolean; reason: ProbeReason; detail: string } {
  if (!o.ok) return o;
  if (!statusAllowed(set, o.status ?? 0)) return { ok: false, reason: 'status', detail: `HTTP status code ${o.status} for ${path}` };
  if (want !== undefined && o.md5 !== want) return { ok: false, reason: 'digest', detail: `MD5 digest ${o.md5} for ${path}, expected ${want}` };
  return { ok: true, reason: 'ok', detail: `${path}: status ${o.status}${want ? ', digest ok' : ''}` };
}

interface CompiledUrl {
  path: string;
  request: Buffer;
  status: StatusSet;
  digest: string | undefined;
  fetch: FetchOptions;
}

/**
 * HTTP_GET / SSL_GET compiled once: returns the probe to run every delay_loop. Every url in
 * turn, each on a fresh connection; the first failure decides. (keepalived checks one url per
 * delay_loop and moves on; checking them all in one run detects the same failures sooner.)
 * `timeoutMs` bounds each url's exchange. A bad status_code string throws here, at build time.
 */
export function compileHttpCheck(target: HttpTarget, options: HttpOptions): (signal?: AbortSignal) => Promise<ProbeResult> {
  const urls: CompiledUrl[] = options.urls.map((url) => {
    const digest = normaliseDigest(url.digest);
    const host = hostHeader(target, url.virtualhost ?? options.virtualhost);
    return {
      path: url.path,
      request: Buffer.from(buildRequest(url.path, host, options.httpProtocol), 'latin1'),
      status: statusSet(url.statusCodes),
      digest,
      fetch: {
        tls: options.tls,
        timeoutMs: options.timeoutMs,
        localAddress: options.localAddress,
        verifyTls: options.verifyTls,
        ca: options.ca,
        sni: options.sni,
        httpProtocol: options.httpProtocol,
        hashBody: digest !== undefined,
      },
    };
  });
  if (urls.length === 0) return async () => result(false, 'error', 'no url', nowMs());
  if (urls.length === 1) {
    // The common case without the loop's async frame.
    const u = urls[0];
    return (signal) => {
      const start = nowMs();
      return exchange(target, u.request, u.fetch, signal).then((o) => {
        const j = judge(u.path, u.status, u.digest, o);
        return result(j.ok, j.reason, j.detail, start);
      });
    };
  }
  return async (signal) => {
    const start = nowMs();
    let last = '';
    for (const u of urls) {
      const j = judge(u.path, u.status, u.digest, await exchange(target, u.request, u.fetch, signal));
      if (!j.ok) return result(false, j.reason, j.detail, start);
      last = j.detail;
    }
    return result(true, 'ok', last, start);
  };
}

/** HTTP_GET / SSL_GET in one call (compiles, then runs once). Never throws for a down backend. */
export function probeHttpLite(target: HttpTarget, options: HttpOptions, signal?: AbortSignal): Promise<ProbeResult> {
  let run: (signal?: AbortSignal) => Promise<ProbeResult>;
  try {
    run = compileHttpCheck(target, options);
  } catch (err) {
    return Promise.resolve(result(false, 'error', errorDetail(err), nowMs()));
  }
  return run(signal);
}
