// What HTTP_GET / SSL_GET probes share: options, status_code sets, the Host header and the request
// line exactly as keepalived/check/check_http.c builds them (request_template):
//   GET <path> HTTP/1.<0|1>\r\n  User-Agent: KeepAliveClient\r\n  [Connection: close\r\n]
//   Host: <virtualhost | ip:port | [v6]:port>\r\n\r\n
// Success for one url = status in its status_code set (default 200-299) AND, when `digest` is
// set, MD5 of the body equals it (lowercase hex, as genhash prints it).
import { isIPv6 } from 'node:net';

export interface HttpTarget {
  /** connect_ip (default: the real server's IP). */
  host: string;
  /** connect_port (default: the real server's port). */
  port: number;
}

/** Inclusive ranges, e.g. "200-299 401" => [[200,299],[401,401]]. */
export type StatusSet = ReadonlyArray<readonly [number, number]>;

export interface UrlCheck {
  path: string;
  /** keepalived `status_code`; string form accepted ("200-299 401"). Default 200-299. */
  statusCodes?: StatusSet | string;
  /** keepalived `digest`: MD5 hex of the body. */
  digest?: string;
  /** per-url `virtualhost`. */
  virtualhost?: string;
}

export type HttpProtocol = '1.0' | '1.0C' | '1.1';

export interface HttpOptions {
  urls: UrlCheck[];
  /** SSL_GET */
  tls?: boolean;
  /** checker-level virtualhost (rs/vs virtualhost resolved by the caller). */
  virtualhost?: string;
  /** keepalived connect_timeout: bounds the whole exchange (connect, request, response). */
  timeoutMs: number;
  /** bindto */
  localAddress?: string;
  /** Verify the server certificate (keepalived does not unless an SSL { ca } is configured). */
  verifyTls?: boolean;
  /** CA bundle for verification (PEM). */
  ca?: string | Buffer;
  /** SNI name (enable_sni / sni_name); default none for IPs, like keepalived. */
  sni?: string;
  /** http_protocol (http-lite only; the undici probe always speaks 1.1 with Connection: close). Default 1.1. */
  httpProtocol?: HttpProtocol;
}

export const DEFAULT_STATUS: StatusSet = [[200, 299]];

export function parseStatusCodes(spec: string): StatusSet {
  const out: Array<[number, number]> = [];
  for (const tok of spec.split(/[\s,]+/).filter(Boolean)) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(tok);
    if (!m) throw new Error(`invalid status_code '${tok}'`);
    const lo = Number(m[1]);
    const hi = m[2] ? Number(m[2]) : lo;
    if (lo < 100 || hi > 599 || hi < lo) throw new Error(`invalid status_code range '${tok}'`);
    out.push([lo, hi]);
  }
  return out;
}

export function statusSet(s: StatusSet | string | undefined): StatusSet {
  if (s === undefined) return DEFAULT_STATUS;
  return typeof s === 'string' ? parseStatusCodes(s) : s;
}

export function statusAllowed(set: StatusSet, code: number): boolean {
  for (const [lo, hi] of set) if (code >= lo && code <= hi) return true;
  return false;
}

/** Host header: the url's or checker's virtualhost as is, else `ip:port` (`[v6]:port`). */
export function hostHeader(target: HttpTarget, vhost?: string): string {
  if (vhost) return vhost;
  return isIPv6(target.host) ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

export function buildRequest(path: string, host: string, proto: HttpProtocol = '1.1'): string {
  const conn = proto === '1.0' ? '' : 'Connection: close\r\n';
  return `GET ${path} HTTP/1.${proto === '1.1' ? 1 : 0}\r\nUser-Agent: KeepAliveClient\r\n${conn}Host: ${host}\r\n\r\n`;
}

export function normaliseDigest(d: string | undefined): string | undefined {
  return d === undefined ? undefined : d.trim().toLowerCase();
}
