// SMTP_CHECK (keepalived/check/check_smtp.c): connect, expect a 220 banner, send
// `HELO helo_name`, expect 250, send `QUIT`, expect 221. Multi-line replies (`250-...`) are read
// to their last line. connect_timeout bounds the whole dialogue.
import { Socket } from 'node:net';
import { hostname } from 'node:os';
import type { ProbeResult } from './types.ts';
import { abortReason, errorDetail, nowMs, result, settleProbe, socketErrorReason } from './types.ts';

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
    let buf = '';
    const steps: Array<{ expect: number; send?: string; what: string }> = [
      { expect: 220, send: `HELO ${options.heloName ?? hostname()}\r\n`, what: 'banner' },
      { expect: 250, send: 'QUIT\r\n', what: 'HELO' },
      { expect: 221, what: 'QUIT' },
    ];
    let step = 0;
    const finish = settleProbe({
      resolve,
      start,
      signal,
      timeoutMs: options.timeoutMs,
      onTimeout: () => result(false, 'timeout', `SMTP dialogue incomplete after ${options.timeoutMs} ms (waiting for ${steps[step]?.what})`, start),
      release: () => sock.destroy(),
    });
    sock.setEncoding('latin1');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > 65536) return finish(result(false, 'malformed', 'SMTP reply too long', start));
      for (;;) {
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        const m = /^(\d{3})([ -]|$)/.exec(line);
        if (!m) return finish(result(false, 'malformed', `bad SMTP reply '${line.slice(0, 80)}'`, start));
        if (m[2] === '-') continue; // continuation line
        const code = Number(m[1]);
        const s = steps[step];
        if (code !== s.expect) return finish(result(false, 'status', `SMTP ${s.what}: got ${code}, expected ${s.expect}`, start));
        step++;
        if (s.send) sock.write(s.send);
        else return finish(result(true, 'ok', 'SMTP 220/250/221', start));
      }
    });
    sock.on('error', (err) => finish(result(false, socketErrorReason(err), errorDetail(err), start)));
    sock.on('close', () => finish(result(false, 'reset', `connection closed while waiting for ${steps[step]?.what}`, start)));
    sock.connect({ host: target.host, port: target.port, localAddress: options.localAddress });
  });
}
