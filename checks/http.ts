// HTTP_GET / SSL_GET through undici (keepalived/check/check_http.c semantics, see
// http-common.ts). Each url is fetched on a fresh connection, as a health check must prove a
// new connection works: a Client per probe (undici's lowest-overhead public path that still lets
// us set connect options per check: bindto, TLS verification, SNI), `reset: true`, destroyed
// afterwards. TLS certificates are not verified unless `verifyTls` (keepalived's default).
// checks/http-lite.ts gives the same results on bare sockets at a fraction of the CPU; the
// benchmark (bench/checks.ts) compares both.
// undici (~110 modules, ~28 MB of RSS) is loaded by the first HTTP_GET / SSL_GET probe, not by every
// daemon that has a health-check side.
let undici: Promise<typeof import('undici')> | undefined;
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { ProbeReason, ProbeResult } from './types.ts';
import { abortReason, errorDetail, isTimeoutReason, nowMs, result, socketErrorReason } from './types.ts';
import type { HttpOptions, HttpTarget } from './http-common.ts';
import { hostHeader } from './http-common.ts';
import { judgeUrl, type FetchOutcome } from './http-lite.ts';

function origin(t: HttpTarget, tls: boolean): string {
  const h = isIPv6(t.host) ? `[${t.host}]` : t.host;
  return `${tls ? 'https' : 'http'}://${h}:${t.port}`;
}

async function fetchUndici(target: HttpTarget, path: string, host: string, options: HttpOptions, hashBody: boolean, signal?: AbortSignal): Promise<FetchOutcome> {
  if (signal?.aborted) return { ok: false, reason: abortReason(signal), detail: 'aborted before connect' };
  const { Client } = await (undici ??= import('undici'));
  // The signal may have fired while the module loaded (its listener is not attached yet).
  if (signal?.aborted) return { ok: false, reason: abortReason(signal), detail: 'aborted before connect' };
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, options.timeoutMs);
  const onAbort = () => ac.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const client = new Client(origin(target, !!options.tls), {
    connect: {
      timeout: options.timeoutMs,
      rejectUnauthorized: options.verifyTls ?? false,
      ca: options.ca,
      servername: options.sni ?? '',
    },
    localAddress: options.localAddress,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    pipelining: 1,
  });
  try {
    const res = await client.request({
      path,
      method: 'GET',
      headers: { host, 'user-agent': 'KeepAliveClient', connection: 'close' },
      reset: true,
      signal: ac.signal,
    });
    const status = res.statusCode;
    if (!hashBody) {
      res.body.on('error', () => {}); // destroying an unread body emits an AbortError
      res.body.destroy();
      return { ok: true, reason: 'ok', detail: `status ${status}`, status };
    }
    const h = createHash('md5');
    let bodyBytes = 0;
    for await (const chunk of res.body) {
      h.update(chunk as Buffer);
      bodyBytes += (chunk as Buffer).length;
    }
    return { ok: true, reason: 'ok', detail: `status ${status}`, status, md5: h.digest('hex'), bodyBytes };
  } catch (err) {
    if (timedOut) return { ok: false, reason: 'timeout', detail: `no complete answer within ${options.timeoutMs} ms` };
    if (signal?.aborted) return { ok: false, reason: isTimeoutReason(signal.reason) ? 'timeout' : 'aborted', detail: 'aborted' };
    return { ok: false, reason: undiciReason(err), detail: errorDetail(err) };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    client.destroy().catch(() => {});
  }
}

/** Maps undici's error tree onto our reasons. */
function undiciReason(err: unknown): ProbeReason {
  const e = err as { code?: string; name?: string; cause?: unknown };
  const code = e.code ?? '';
  if (code.startsWith('HPE_') || e.name === 'HTTPParserError') return 'malformed';
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return 'reset';
  if (code === 'UND_ERR_SOCKET' && e.cause) {
    const r = socketErrorReason(e.cause);
    return r === 'error' ? 'reset' : r;
  }
  return socketErrorReason(err);
}

/** HTTP_GET / SSL_GET via undici: every url in turn, the first failure decides. Never throws. */
export async function probeHttp(target: HttpTarget, options: HttpOptions, signal?: AbortSignal): Promise<ProbeResult> {
  const start = nowMs();
  let last = 'no url';
  for (const url of options.urls) {
    const host = hostHeader(target, url.virtualhost ?? options.virtualhost);
    const o = await fetchUndici(target, url.path, host, options, url.digest !== undefined, signal);
    const j = judgeUrl(url, o);
    if (!j.ok) return result(false, j.reason, j.detail, start);
    last = j.detail;
  }
  return result(options.urls.length > 0, options.urls.length > 0 ? 'ok' : 'error', last, start);
}
