// The daemon's command line entry (`keepalived-ts -f FILE -n -l -D -p PIDFILE`): parse keepalived's
// flags, start, and resolve with the exit code when the daemon has stopped.
import { enableCompileCache, flushCompileCache, getCompileCacheDir } from 'node:module';
import { parseDaemonArgs } from './options.ts';

/** Set in the environment of the one re-execution below, so that it happens at most once. */
const REEXEC_ENV = 'KATS_TS_COLD_CACHE_REEXEC';

/**
 * A start on a cold compile cache (the first after an upgrade or any source change) has loaded
 * Node's TypeScript stripper, a WebAssembly module that stays in the process for its whole life:
 * ~15-28 MB more RSS for a daemon meant to run for months (bench/vrrp/scale.ts at 250 instances:
 * 80-94 MB instead of 66 MB). Once the daemon's modules are loaded and their stripped sources are
 * in the cache, replace the process image with a fresh start of the same command (execve(2): same
 * pid, so pid files, systemd's MainPID and `ip netns exec` keep working). That start finds the
 * cache warm and never loads the stripper. Costs one extra start-up (~0.1 s) on a cold cache only;
 * nothing has been opened or written yet (no sockets, no pid file, no VIPs).
 */
function reexecIfStripperLoaded(): void {
  if (process.env[REEXEC_ENV] !== undefined) {
    delete process.env[REEXEC_ENV]; // not inherited by notify scripts
    return;
  }
  // Node's list of its own modules loaded so far (not in @types/node).
  const loaded = (process as unknown as { moduleLoadList?: string[] }).moduleLoadList ?? [];
  if (!loaded.includes('NativeModule internal/deps/amaro/dist/index')) return;
  // Only from src/cli/bin.js, which enables the cache before any .ts loads: another entry (a test
  // fixture, an embedding) has its own modules stripped before this point whatever the cache holds.
  if (!(globalThis as Record<symbol, unknown>)[Symbol.for('keepalived-ts.compile-cache-from-entry')]) return;
  if (!getCompileCacheDir() || typeof process.execve !== 'function') return;
  try {
    flushCompileCache();
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], { ...process.env, [REEXEC_ENV]: '1' });
  } catch {
    // best effort: keep starting in this process (only the stripper's memory is lost)
  }
}

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
  // ops.ts is loaded at the end of every start: load it now so a cold cache is filled with it too.
  await import('./ops.ts');
  reexecIfStripperLoaded();
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
