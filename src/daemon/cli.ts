// The daemon's command line entry (`keepalived-ts -f FILE -n -l -D -p PIDFILE`): parse keepalived's
// flags, start, and resolve with the exit code when the daemon has stopped.
import { enableCompileCache, flushCompileCache } from 'node:module';
import { parseDaemonArgs } from './options.ts';

export async function run(argv: string[]): Promise<number> {
  const parsed = parseDaemonArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`keepalived-ts: ${parsed.error}\n`);
    return 2;
  }
  // Start-up time is part of every preempt-back (the restarted router must be up before its
  // master_down_interval even starts): keep V8's compiled code of our modules between runs
  // (NODE_COMPILE_CACHE overrides the directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off).
  try {
    enableCompileCache();
  } catch {
    // best effort
  }
  const { startDaemon } = await import('./daemon.ts');
  const h = await startDaemon(parsed.options);
  if (typeof h === 'number') return h;
  // Node writes the cache at exit; a daemon may never exit cleanly (kill -9), so write it now.
  try {
    flushCompileCache();
  } catch {
    // best effort
  }
  return h.done;
}
