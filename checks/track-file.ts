// vrrp_track_file / track_file / FILE_CHECK probe: the integer in a file (and the watch that
// tells when to read it again).
// keepalived/trackers/track_file.c process_track_file: read up to 127 bytes, strtol(buf, NULL, 0)
// (leading blanks, sign, 0x hex and 0 octal accepted, trailing text ignored); a missing or empty
// file and a file without a number read as 0; a number outside the 32-bit range is ignored
// ("Invalid number ... - ignoring", the previous value stays). The reason says which case it was;
// `value` is what keepalived would use. How the value maps to priority/weight is
// trackFileStatus() in src/scheduler/track.ts.
import { open } from 'node:fs/promises';
import { closeSync, openSync, readSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ProbeResult } from './types.ts';
import { abortReason, nowMs, result } from './types.ts';

export interface TrackFileOptions {
  /** The file's `weight` (used only to fill `weight` in the result: value x weight). */
  weight?: number;
}

/** C strtol(s, NULL, 0) on the prefix of `s`; null when no digits were consumed. */
export function strtol0(s: string): number | null {
  const m = /^[ \t\n\r\f\v]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return null;
  const sign = m[1] === '-' ? -1 : 1;
  const digits = m[2];
  let v: number;
  if (/^0[xX]/.test(digits)) v = parseInt(digits.slice(2), 16);
  else if (digits.length > 1 && digits[0] === '0') v = parseInt(digits, 8);
  else v = parseInt(digits, 10);
  return sign * v;
}

/** The verdict on the first bytes of a track file (shared by the async probe and the sync read). */
function judgeText(file: string, text: string, weight: number, start: number): ProbeResult {
  if (text.length === 0) return result(true, 'ok', 'empty file reads as 0', start, { value: 0, weight: 0 });
  const v = strtol0(text);
  if (v === null) return result(true, 'garbage', `no number in ${file}`, start, { value: 0, weight: 0 });
  if (v < -2147483648 || v > 2147483648) return result(false, 'range', `Invalid number ${v} read from ${file} - ignoring`, start);
  return result(true, 'ok', `value ${v}`, start, { value: v, weight: v * weight });
}

/**
 * The same read, synchronously: keepalived reads every track file once while it loads the
 * configuration (process_track_file(init)), so FILE_CHECK real servers start in the state the
 * file gives them rather than a probe later. At most 127 bytes of one file.
 */
export function readTrackFileSync(file: string, options: TrackFileOptions = {}): ProbeResult {
  const start = nowMs();
  let text = '';
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(127);
      text = buf.subarray(0, readSync(fd, buf, 0, 127, 0)).toString('latin1');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return result(true, 'missing', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, start, { value: 0, weight: 0 });
  }
  return judgeText(file, text, options.weight ?? 1, start);
}

/**
 * Calls `onChange` when the file may have changed: keepalived watches track files with inotify
 * (IN_CLOSE_WRITE, IN_MOVED_TO, IN_DELETE on the directory); fs.watch on the directory sees the
 * same events, including a file replaced by rename or created later. Returns the unwatch.
 * A missing directory is not an error (the caller's poll still notices the file).
 */
export function watchTrackFile(file: string, onChange: () => void): () => void {
  const name = basename(file);
  try {
    const w = watch(dirname(file), { persistent: false }, (_event, changed) => {
      if (changed === null || changed === name) onChange();
    });
    w.on('error', () => undefined);
    return () => w.close();
  } catch {
    return () => undefined;
  }
}

export async function probeTrackFile(file: string, options: TrackFileOptions = {}, signal?: AbortSignal): Promise<ProbeResult> {
  const start = nowMs();
  if (signal?.aborted) return result(false, abortReason(signal), 'aborted', start);
  const weight = options.weight ?? 1;
  let text = '';
  try {
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.alloc(127);
      const { bytesRead } = await fh.read(buf, 0, 127, 0);
      text = buf.subarray(0, bytesRead).toString('latin1');
    } finally {
      await fh.close();
    }
  } catch (err) {
    return result(true, 'missing', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, start, { value: 0, weight: 0 });
  }
  return judgeText(file, text, weight, start);
}
