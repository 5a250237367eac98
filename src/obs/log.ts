// Logging: pino JSON by default; `msg` is always the keepalived-style line
// (`(VI_1) Entering MASTER STATE`) so alerts written for keepalived still match, and structured
// fields ride along. With format 'keepalived' only the lines are printed, one per record, the way
// `keepalived -l` prints them to the console.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export type LogFormat = 'json' | 'keepalived';

export interface LogOptions {
  format?: LogFormat;
  /** keepalived's -D: enables the detail lines (`setting VIPs.`, GARP lines, ...). */
  detail?: boolean;
  /** Where records go; defaults to stdout. */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Component name, shown as keepalived's syslog ident in keepalived format. */
  ident?: string;
}

const levelNames: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** A pino destination that prints `Ident: message` lines instead of JSON. */
function keepalivedLines(out: NodeJS.WritableStream, ident: string): DestinationStream {
  return {
    write(chunk: string) {
      for (const rec of chunk.split('\n')) {
        if (!rec) continue;
        try {
          const o = JSON.parse(rec) as { msg?: string; level?: number; time?: number; ident?: string };
          const when = new Date(o.time ?? Date.now());
          const stamp = when.toISOString().replace('T', ' ').replace('Z', '');
          const lvl = (o.level ?? 30) >= 40 ? ` ${levelNames[o.level ?? 30]}:` : '';
          out.write(`${stamp} ${o.ident ?? ident}:${lvl} ${o.msg ?? ''}\n`);
        } catch {
          out.write(rec + '\n');
        }
      }
    },
  };
}

export function createLogger(opts: LogOptions = {}): Logger {
  const ident = opts.ident ?? 'Keepalived';
  const out = (opts.destination ?? process.stdout) as NodeJS.WritableStream;
  const level = opts.detail ? 'debug' : 'info';
  const base = { ident };
  if (opts.format === 'keepalived') {
    return pino({ level, base, timestamp: pino.stdTimeFunctions.epochTime }, keepalivedLines(out, ident));
  }
  return pino({ level, base }, out as DestinationStream);
}

/** A logger that drops everything (tests, tools). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
