// The notify FIFO (global_defs notify_fifo / vrrp_notify_fifo / lvs_notify_fifo). keepalived opens
// the FIFO read-write and non-blocking so a missing reader never blocks or fails the daemon, and a
// full pipe drops the line (EAGAIN ignored, vrrp_notify.c / notify.c). We do the same; the FIFO is
// created when missing, as keepalived does.
import { openSync, writeSync, closeSync, statSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';

export interface FifoWriterStats {
  written: number;
  dropped: number;
}

export class FifoWriter {
  readonly path: string;
  private fd: number | null = null;
  readonly stats: FifoWriterStats = { written: 0, dropped: 0 };
  private lastError: string | null = null;

  constructor(path: string) {
    this.path = path;
  }

  /** Creates (mkfifo) when missing and opens the FIFO. Returns an error text instead of throwing. */
  open(): string | null {
    try {
      let st;
      try {
        st = statSync(this.path);
      } catch {
        // coreutils mkfifo: Node has no mkfifo(3) binding and this runs once at start-up.
        const r = spawnSync('mkfifo', ['-m', '0600', this.path], { encoding: 'utf8' });
        if (r.status !== 0) return `cannot create notify FIFO ${this.path}: ${(r.stderr || r.error?.message || '').trim()}`;
        st = statSync(this.path);
      }
      if (!st.isFIFO()) return `notify FIFO ${this.path} exists and is not a FIFO`;
      // O_RDWR: opening a FIFO write-only without a reader fails with ENXIO; read-write never does.
      this.fd = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK);
      return null;
    } catch (e) {
      return `cannot open notify FIFO ${this.path}: ${(e as Error).message}`;
    }
  }

  /** Writes one line; a full pipe or a closed FIFO drops it and counts the drop. */
  write(line: string): boolean {
    if (this.fd === null) {
      this.stats.dropped++;
      return false;
    }
    try {
      writeSync(this.fd, line);
      this.stats.written++;
      return true;
    } catch (e) {
      this.lastError = (e as NodeJS.ErrnoException).code ?? String(e);
      this.stats.dropped++;
      return false;
    }
  }

  get error(): string | null {
    return this.lastError;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
