// HTTP_GET / SSL_GET on bare node:net / node:tls sockets: the lean path. The benchmark
// measured undici at ~420-590 us CPU per fresh-connection check and a bare net.Socket at ~143 us,
// so this probe writes keepalived's request itself (check_http.c request_template), parses the
// status line and headers, and streams the body (Content-Length, chunked or close-delimited)
// through MD5 only when a digest is configured. Results are the same as checks/http.ts
// (test/unit/checks/http.test.ts runs both against the same servers).
//
// Body for the digest: the entity body after de-chunking. keepalived hashes the raw bytes after
// the header; with its default http_protocol 1.0 servers do not chunk, so both agree; with 1.1
// and a chunking server keepalived would hash the chunk framing too (we do not).
import { Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { createHash, type Hash } from 'node:crypto';
import type { ProbeResult, ProbeReason } from './types.ts';
import { abortReason, errorDetail, nowMs, result, socketErrorReason } from './types.ts';
import type { HttpOptions, HttpTarget, UrlCheck } from './http-common.ts';
import { buildRequest, hostHeader, normaliseDigest, statusAllowed, statusSet } from './http-common.ts';

const MAX_HEAD_BYTES = 64 * 1024;

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

/** One GET on a fresh connection. Never throws. */
export function fetchOnce(target: HttpTarget, path: string, host: string, opts: FetchOptions, signal?: AbortSignal): Promise<FetchOutcome> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve({ ok: false, reason: abortReason(signal), detail: 'aborted before connect' });
    let sock: Socket | TLSSocket;
    let done = false;
    let head: Buffer | null = Buffer.alloc(0);
    let status = 0;
    let mode: 'length' | 'chunked' | 'close' | 'none' = 'close';
    let remaining = 0;
    let hash: Hash | null = null;
    let bodyBytes = 0;
    // chunked decoder state
    let cstate: 'size' | 'data' | 'crlf' = 'size';
    let sizeLine = '';
    let chunkLeft = 0;
    let crlfLeft = 0;

    const finish = (o: FetchOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve(o);
    };
    const complete = () => finish({ ok: true, reason: 'ok', detail: `status ${status}`, status, md5: hash?.digest('hex'), bodyBytes });
    const timer = setTimeout(() => finish({ ok: false, reason: 'timeout', detail: `no complete answer within ${opts.timeoutMs} ms`, status: status || undefined }), opts.timeoutMs);
    const onAbort = () => finish({ ok: false, reason: abortReason(signal), detail: 'aborted' });
    signal?.addEventListener('abort', onAbort, { once: true });

    const body = (chunk: Buffer) => {
      if (mode === 'close') {
        bodyBytes += chunk.length;
        hash?.update(chunk);
        return;
      }
      if (mode === 'length') {
        const take = Math.min(remaining, chunk.length);
        hash?.update(chunk.subarray(0, take));
        bodyBytes += take;
        remaining -= take;
        if (remaining === 0) complete();
        return;
      }
      // chunked
      let i = 0;
      while (i < chunk.length && !done) {
        if (cstate === 'size') {
          const nl = chunk.indexOf(0x0a, i);
          if (nl < 0) {
            sizeLine += chunk.toString('latin1', i);
            if (sizeLine.length > 1024) return finish({ ok: false, reason: 'malformed', detail: 'chunk size line too long', status });
            return;
          }
          sizeLine += chunk.toString('latin1', i, nl);
          i = nl + 1;
          const size = parseInt(sizeLine.split(';')[0].trim(), 16);
          sizeLine = '';
          if (!Number.isFinite(size) || size < 0) return finish({ ok: false, reason: 'malformed', detail: 'bad chunk size', status });
          if (size === 0) return complete(); // trailers are not needed
          chunkLeft = size;
          cstate = 'data';
        } else if (cstate === 'data') {
          const take = Math.min(chunkLeft, chunk.length - i);
          hash?.update(chunk.subarray(i, i + take));
          bodyBytes += take;
          chunkLeft -= take;
          i += take;
          if (chunkLeft === 0) {
            cstate = 'crlf';
            crlfLeft = 2;
          }
        } else {
          const take = Math.min(crlfLeft, chunk.length - i);
          i += take;
          crlfLeft -= take;
          if (crlfLeft === 0) cstate = 'size';
        }
      }
    };

    const onData = (chunk: Buffer) => {
      if (done) return;
      if (head !== null) {
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > MAX_HEAD_BYTES) finish({ ok: false, reason: 'malformed', detail: 'response header too large' });
          return;
        }
        const text = head.toString('latin1', 0, end);
        const rest = head.subarray(end + 4);
        head = null;
        const eol = text.indexOf('\r\n');
        // Only the status line matters unless the body is hashed (then we need its framing).
        const lines = opts.hashBody ? text.split('\r\n') : [eol < 0 ? text : text.slice(0, eol)];
        const m = /^HTTP\/\d\.\d (\d{3})(?: |$)/.exec(lines[0]);
        if (!m) return finish({ ok: false, reason: 'malformed', detail: `bad status line '${lines[0].slice(0, 80)}'` });
        status = Number(m[1]);
        if (!opts.hashBody) return complete(); // the status decides; the body is not needed
        let te = '';
        let cl: number | undefined;
        for (let k = 1; k < lines.length; k++) {
          const c = lines[k].indexOf(':');
          if (c < 0) continue;
          const name = lines[k].slice(0, c).trim().toLowerCase();
          const value = lines[k].slice(c + 1).trim();
          if (name === 'transfer-encoding') te = value.toLowerCase();
          else if (name === 'content-length') {
            if (!/^\d+$/.test(value)) return finish({ ok: false, reason: 'malformed', detail: `bad content-length '${value}'`, status });
            cl = Number(value);
          }
        }
        hash = createHash('md5');
        if (status === 204 || status === 304 || (status >= 100 && status < 200)) mode = 'none';
        else if (te.includes('chunked')) mode = 'chunked';
        else if (cl !== undefined) {
          mode = 'length';
          remaining = cl;
        } else mode = 'close';
        if (mode === 'none' || (mode === 'length' && remaining === 0)) return complete();
        if (rest.length > 0) body(rest);
        return;
      }
      body(chunk);
    };

    const onEnd = () => {
      if (done) return;
      if (head !== null) return finish({ ok: false, reason: 'reset', detail: head.length ? 'connection closed inside the response header' : 'connection closed without a response' });
      if (mode === 'close') return complete();
      finish({ ok: false, reason: 'reset', detail: 'connection closed before the end of the body', status });
    };

    const req = buildRequest(path, host, opts.httpProtocol);
    if (opts.tls) {
      sock = tlsConnect({
        host: target.host,
        port: target.port,
        localAddress: opts.localAddress,
        rejectUnauthorized: opts.verifyTls ?? false,
        ca: opts.ca,
        servername: opts.sni ?? '',
      } as ConnectionOptions); // localAddress reaches net.connect underneath
      sock.once('secureConnect', () => sock.write(req));
    } else {
      sock = new Socket();
      sock.once('connect', () => sock.write(req));
      sock.connect({ host: target.host, port: target.port, localAddress: opts.localAddress });
    }
    sock.on('data', onData);
    sock.on('end', onEnd);
    sock.on('close', onEnd);
    sock.on('error', (err) => {
      const reason = socketErrorReason(err);
      // A peer that closes mid-answer after the status is known: keepalived judges what it got.
      if (reason === 'reset' && head === null && mode === 'close') return complete();
      finish({ ok: false, reason, detail: errorDetail(err), status: status || undefined });
    });
  });
}

/** Judges one url's outcome against status_code and digest. */
export function judgeUrl(url: UrlCheck, o: FetchOutcome): { ok: boolean; reason: ProbeReason; detail: string } {
  if (!o.ok) return o;
  const set = statusSet(url.statusCodes);
  if (!statusAllowed(set, o.status ?? 0)) return { ok: false, reason: 'status', detail: `HTTP status code ${o.status} for ${url.path}` };
  const want = normaliseDigest(url.digest);
  if (want !== undefined && o.md5 !== want) return { ok: false, reason: 'digest', detail: `MD5 digest ${o.md5} for ${url.path}, expected ${want}` };
  return { ok: true, reason: 'ok', detail: `${url.path}: status ${o.status}${want ? ', digest ok' : ''}` };
}

/**
 * HTTP_GET / SSL_GET: every url in turn, each on a fresh connection; the first failure decides.
 * (keepalived checks one url per delay_loop and moves on; checking them all in one run detects
 * the same failures sooner.) `timeoutMs` bounds each url's exchange.
 */
export async function probeHttpLite(target: HttpTarget, options: HttpOptions, signal?: AbortSignal): Promise<ProbeResult> {
  const start = nowMs();
  let last = 'no url';
  for (const url of options.urls) {
    const host = hostHeader(target, url.virtualhost ?? options.virtualhost);
    const o = await fetchOnce(
      target,
      url.path,
      host,
      {
        tls: options.tls,
        timeoutMs: options.timeoutMs,
        localAddress: options.localAddress,
        verifyTls: options.verifyTls,
        ca: options.ca,
        sni: options.sni,
        httpProtocol: options.httpProtocol,
        hashBody: url.digest !== undefined,
      },
      signal,
    );
    const j = judgeUrl(url, o);
    if (!j.ok) return result(false, j.reason, j.detail, start);
    last = j.detail;
  }
  return result(options.urls.length > 0, options.urls.length > 0 ? 'ok' : 'error', last, start);
}
