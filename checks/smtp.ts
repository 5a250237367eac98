// SMTP_CHECK (keepalived/check/check_smtp.c): connect, expect a 220 banner, send
// `HELO helo_name`, expect 250, send `QUIT`, expect 221. Multi-line replies (`250-...`) are read
// to their last line by the pure reader in smtp-reply.ts; a reply it cannot read is 'malformed',
// a readable reply with another code is 'status'. connect_timeout bounds the whole dialogue, so a
// server that stalls, drips bytes or never ends a reply fails as 'timeout' at the latest.
import { Socket } from 'node:net';
import { hostname } from 'node:os';
import type { ProbeResult } from './types.ts';
import { abortReason, errorDetail, nowMs, result, settleProbe, socketErrorReason } from './types.ts';
import { readReply, REPLY_START, type ReplyProgress } from './smtp-reply.ts';

export interface SmtpTarget {
  host: string;
  port: number; // default 25
}

export interface SmtpOptions {
  /** helo_name (keepalived default: the local host name). */
  heloName?: string;
  timeoutMs: number;
  localAddress?: string;
}

export function probeSmtp(target: SmtpTarget, options: SmtpOptions, signal?: AbortSignal): Promise<ProbeResult> {
  const start = nowMs();
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(result(false, abortReason(signal), 'aborted before connect', start));
    const sock = new Socket();
    const steps: Array<{ expect: number; send?: string; what: string }> = [
      { expect: 220, send: `HELO ${options.heloName ?? hostname()}\r\n`, what: 'banner' },
      { expect: 250, send: 'QUIT\r\n', what: 'HELO' },
      { expect: 221, what: 'QUIT' },
    ];
    let step = 0;
    // The unfinished line and the lines already read of the reply being received.
    let pending: Buffer = Buffer.alloc(0);
    let progress: ReplyProgress = REPLY_START;
    const finish = settleProbe({
      resolve,
      start,
      signal,
      timeoutMs: options.timeoutMs,
      onTimeout: () => result(false, 'timeout', `SMTP dialogue incomplete after ${options.timeoutMs} ms (waiting for ${steps[step]?.what})`, start),
      release: () => sock.destroy(),
    });
    sock.on('data', (chunk: Buffer) => {
      let input = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      // Bounded: each turn consumes a complete reply (at least one byte) or returns.
      for (;;) {
        const r = readReply(input, progress);
        if (r.kind === 'error') return finish(result(false, 'malformed', `bad SMTP ${steps[step].what} reply: ${r.error.detail}`, start));
        if (r.kind === 'more') {
          progress = r.progress;
          // Copied: a short view would otherwise pin the whole chunk it came from.
          pending = Buffer.from(r.rest);
          return;
        }
        const s = steps[step];
        if (r.reply.code !== s.expect) return finish(result(false, 'status', `SMTP ${s.what}: got ${r.reply.code}, expected ${s.expect}`, start));
        step++;
        if (!s.send) return finish(result(true, 'ok', 'SMTP 220/250/221', start));
        sock.write(s.send);
        progress = REPLY_START;
        input = r.rest;
      }
    });
    sock.on('error', (err) => finish(result(false, socketErrorReason(err), errorDetail(err), start)));
    sock.on('close', () => finish(result(false, 'reset', `connection closed while waiting for ${steps[step]?.what}${progress.count > 0 || pending.length > 0 ? ' (inside the reply)' : ''}`, start)));
    sock.connect({ host: target.host, port: target.port, localAddress: options.localAddress });
  });
}
