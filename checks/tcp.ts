// TCP_CHECK: success = the TCP connection completes within connect_timeout
// (keepalived/check/check_tcp.c tcp_check_thread: connect, then close at once).
import { Socket } from 'node:net';
import type { ProbeResult } from './types.ts';
import { abortReason, errorDetail, nowMs, result, settleProbe, socketErrorReason } from './types.ts';

export interface TcpTarget {
  host: string; // connect_ip (default: the real server's address)
  port: number; // connect_port
}

export interface TcpOptions {
  connectTimeoutMs: number;
  /** bindto */
  localAddress?: string;
  /** bind_port */
  localPort?: number;
}

export function probeTcp(target: TcpTarget, options: TcpOptions, signal?: AbortSignal): Promise<ProbeResult> {
  const start = nowMs();
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(result(false, abortReason(signal), 'aborted before connect', start));
    const sock = new Socket();
    const finish = settleProbe({
      resolve,
      start,
      signal,
      timeoutMs: options.connectTimeoutMs,
      onTimeout: () => result(false, 'timeout', `no connection within ${options.connectTimeoutMs} ms`, start),
      release: () => sock.destroy(),
    });
    sock.once('connect', () => finish(result(true, 'ok', 'connected', start)));
    sock.once('error', (err) => finish(result(false, socketErrorReason(err), errorDetail(err), start)));
    sock.connect({ host: target.host, port: target.port, localAddress: options.localAddress, localPort: options.localPort });
  });
}
