// The pid file (-p FILE), as keepalived keeps one: written at start, removed at a clean exit.
// A pid file naming a live process makes the start fail (keepalived: "daemon is already
// running"); a stale one (its process is gone, e.g. after kill -9) is replaced.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes our pid; returns an error text when another live daemon owns the file. */
export function writePidFile(path: string, pid = process.pid): string | undefined {
  try {
    const old = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(old) && old > 0 && old !== pid && alive(old)) return `daemon is already running (pid ${old} in ${path})`;
  } catch {
    // no pid file yet
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${pid}\n`, { mode: 0o644 });
    return undefined;
  } catch (e) {
    return `cannot write pid file ${path}: ${(e as Error).message}`;
  }
}

/** Removes the pid file if it still names us. */
export function removePidFile(path: string, pid = process.pid): void {
  try {
    if (Number(readFileSync(path, 'utf8').trim()) === pid) rmSync(path, { force: true });
  } catch {
    // already gone
  }
}
