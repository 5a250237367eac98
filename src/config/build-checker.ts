// Checker blocks (HTTP_GET, SSL_GET, TCP_CHECK, MISC_CHECK, DNS_CHECK, SMTP_CHECK, UDP_CHECK,
// PING_CHECK, FILE_CHECK) and their url blocks -> Checker, with keepalived's per-type defaults
// (check_api.c: retry 1, delay_before_retry 1 s; HTTP/SSL 3 s; MISC retry 0; DNS retry 3 and
// delay_before_retry = delay_loop) and the timing inherited from the real server and service.
import type { Diagnostics } from './diagnostics.ts';
import type { CheckerType } from './keywords.ts';
import type { Checker, HttpUrl, RealServer } from './model.ts';
import type { Item } from './walk.ts';
import { applyScalars, walkBlock } from './walk.ts';

/** The inheritable timing keywords as written at one level. */
export interface Timing {
  delayLoopMs?: number;
  connectTimeoutMs?: number;
  retry?: number;
  delayBeforeRetryMs?: number;
  warmupMs?: number;
  alpha?: boolean;
}

export function inherit(...levels: Timing[]): Timing {
  const out: Timing = {};
  for (const l of levels) {
    for (const k of Object.keys(l) as (keyof Timing)[]) {
      if (l[k] !== undefined && out[k] === undefined) (out as Record<string, unknown>)[k] = l[k];
    }
  }
  return out;
}

export function buildChecker(item: Item, type: CheckerType, rs: RealServer, rsPort: number | undefined, up: Timing, d: Diagnostics): Checker | undefined {
  const raw: Timing & Record<string, unknown> = {};
  const items = walkBlock(type, item.children ?? [], d);
  const { rest, explicit } = applyScalars(items, raw, d);
  const urlBlocks = items.filter((i) => i.spec.keyword === 'url').length;
  const t = inherit(raw, up);
  const delayLoopMs = t.delayLoopMs ?? 60_000;
  const c: Checker = {
    ...(raw as object),
    type,
    delayLoopMs,
    connectTimeoutMs: t.connectTimeoutMs ?? 5000,
    retry: t.retry ?? (type === 'MISC_CHECK' ? 0 : type === 'DNS_CHECK' ? 3 : 1),
    // check_api.c: 1 s; HTTP/SSL 3 s; DNS 0, meaning delay_loop.
    delayBeforeRetryMs: t.delayBeforeRetryMs ?? (type === 'HTTP_GET' || type === 'SSL_GET' ? 3000 : type === 'DNS_CHECK' ? delayLoopMs : 1000),
    warmupMs: t.warmupMs ?? delayLoopMs,
    alpha: t.alpha ?? false,
    kept: (raw.kept as Checker['kept']) ?? [],
    file: item.file,
    line: item.line,
  };
  const urls: HttpUrl[] = [];
  for (const u of rest) if (u.spec.keyword === 'user') c.user = u.args;
  for (const u of rest) if (u.spec.keyword === 'url') {
    const url = buildUrl(u, d);
    if (url) urls.push(url);
  }
  switch (type) {
    case 'HTTP_GET':
    case 'SSL_GET':
      if (urls.length === 0) {
        // An invalid url block was reported already; "no urls" would only repeat it.
        if (urlBlocks === 0) d.error(item, `${type} checker has no urls specified`);
        return undefined;
      }
      c.urls = urls;
      c.httpProtocol ??= '1.0';
      c.virtualhost ??= rs.virtualhost;
      c.fastRecovery ??= false;
      if (type === 'SSL_GET') {
        c.enableSni ??= false;
        c.tlsCompliant ??= false;
      }
      break;
    case 'MISC_CHECK':
      if (!explicit.has('misc_path')) {
        d.error(item, 'MISC_CHECK has no misc_path specified');
        return undefined;
      }
      c.miscTimeoutMs ??= delayLoopMs;
      c.miscDynamic ??= false;
      break;
    case 'DNS_CHECK':
      c.dnsType ??= 'SOA';
      c.dnsName ??= '.';
      break;
  }
  // check_file.c file_end_handler: a FILE_CHECK without track_file is ignored.
  if (type === 'FILE_CHECK' && !c.kept.some((k) => k.keyword === 'track_file')) {
    d.error(item, 'FILE_CHECK has no track_file specified - ignoring');
    return undefined;
  }
  if (type !== 'MISC_CHECK' && type !== 'FILE_CHECK' && type !== 'PING_CHECK') {
    c.connectIp ??= rs.address;
    c.connectPort ??= rsPort ?? (type === 'DNS_CHECK' ? 53 : type === 'SMTP_CHECK' ? 25 : undefined);
    if (c.connectPort === undefined) {
      d.error(item, `${type}: no port to connect to (set connect_port, the real server has none)`);
      return undefined;
    }
  }
  return c;
}

/** `url { path P; digest MD5HEX; status_code 200 | 200-299 ... }`. */
function buildUrl(item: Item, d: Diagnostics): HttpUrl | undefined {
  const u: Record<string, unknown> = {};
  const items = walkBlock('url', item.children ?? [], d);
  const { rest, explicit } = applyScalars(items, u, d);
  const url: HttpUrl = {
    path: (u.path as string) ?? '', statusCode: [], kept: (u.kept as HttpUrl['kept']) ?? [], file: item.file, line: item.line,
  };
  if (u.virtualhost !== undefined) url.virtualhost = u.virtualhost as string;
  const digest = u.digest as string | undefined;
  if (digest !== undefined) {
    if (!/^[0-9a-fA-F]{32}$/.test(digest)) {
      const di = items.find((r) => r.spec.keyword === 'digest') ?? item;
      d.error(di, `digest '${digest}' must be 32 hexadecimal digits (MD5)`);
      return undefined;
    }
    url.digest = digest.toLowerCase();
  }
  for (const r of rest) {
    if (r.spec.keyword !== 'status_code') continue;
    for (const word of r.args) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(word);
      const lo = m ? Number(m[1]) : NaN;
      const hi = m ? Number(m[2] ?? m[1]) : NaN;
      if (!(lo >= 100 && hi <= 599 && lo <= hi)) {
        d.error(r, `status_code: invalid code or range '${word}' (100..599)`);
        return undefined;
      }
      url.statusCode.push([lo, hi]);
    }
  }
  // keepalived/include/check_http.h: HTTP_DEFAULT_STATUS_CODE_MIN/MAX 200..299.
  if (url.statusCode.length === 0) url.statusCode.push([200, 299]);
  if (!explicit.has('path')) {
    d.error(item, 'HTTP/SSL_GET checker url has no path');
    return undefined;
  }
  return url;
}

