// vrrp_track_file / track_file / FILE_CHECK probe: the integer in a file.
// keepalived/trackers/track_file.c process_track_file: read up to 127 bytes, strtol(buf, NULL, 0)
// (leading blanks, sign, 0x hex and 0 octal accepted, trailing text ignored); a missing or empty
// file and a file without a number read as 0; a number outside the 32-bit range is ignored
// ("Invalid number ... - ignoring", the previous value stays). The reason says which case it was;
// `value` is what keepalived would use. How the value maps to priority/weight is
// trackFileStatus() in src/scheduler/track.ts.
import { open } from 'node:fs/promises';
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
  if (text.length === 0) return result(true, 'ok', 'empty file reads as 0', start, { value: 0, weight: 0 });
  const v = strtol0(text);
  if (v === null) return result(true, 'garbage', `no number in ${file}`, start, { value: 0, weight: 0 });
  if (v < -2147483648 || v > 2147483648) return result(false, 'range', `Invalid number ${v} read from ${file} - ignoring`, start);
  return result(true, 'ok', `value ${v}`, start, { value: v, weight: v * weight });
}
