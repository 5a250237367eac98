// Readers for the value words of keepalived keywords. Each returns undefined after reporting a
// problem, so a bad value never throws and the caller keeps the default.
import { isIP } from 'node:net';
import type { Diagnostics, Place } from './diagnostics.ts';

const TRUE_WORDS = new Set(['on', 'true', 'yes']);
const FALSE_WORDS = new Set(['off', 'false', 'no']);

/** keepalived's <BOOL>: on|off|true|false|yes|no (a bare flag keyword means true). */
export function isBoolWord(word: string | undefined): boolean {
  return word !== undefined && (TRUE_WORDS.has(word.toLowerCase()) || FALSE_WORDS.has(word.toLowerCase()));
}

export function readBool(word: string | undefined, keyword: string, at: Place, d: Diagnostics): boolean | undefined {
  if (word === undefined) return true;
  const w = word.toLowerCase();
  if (TRUE_WORDS.has(w)) return true;
  if (FALSE_WORDS.has(w)) return false;
  d.error(at, `${keyword}: invalid boolean '${word}' (expected on|off|true|false|yes|no)`);
  return undefined;
}

/** Integer in [min, max]; keepalived rejects with "number 'X' outside range [min, max]". */
export function readInt(word: string | undefined, keyword: string, min: number, max: number, at: Place, d: Diagnostics): number | undefined {
  if (word === undefined) {
    d.error(at, `${keyword}: missing value`);
    return undefined;
  }
  if (!/^[-+]?\d+$/.test(word)) {
    d.error(at, `${keyword}: invalid number '${word}'`);
    return undefined;
  }
  const n = Number(word);
  if (n < min || n > max) {
    d.error(at, `${keyword}: number '${word}' outside range [${min}, ${max}]`);
    return undefined;
  }
  return n;
}

/** keepalived TIMER: decimal seconds (µs resolution); returned in milliseconds. */
export function readSecondsMs(word: string | undefined, keyword: string, min: number, max: number, at: Place, d: Diagnostics): number | undefined {
  if (word === undefined) {
    d.error(at, `${keyword}: missing value`);
    return undefined;
  }
  if (!/^\+?(\d+(\.\d*)?|\.\d+)$/.test(word)) {
    d.error(at, `${keyword}: invalid time '${word}' (seconds expected)`);
    return undefined;
  }
  const s = Number(word);
  if (s < min || s > max) {
    d.error(at, `${keyword}: number '${word}' outside range [${min}, ${max}]`);
    return undefined;
  }
  // Keep sub-millisecond precision out of the model: keepalived's timers are µs but nothing we
  // schedule is finer than 1 ms.
  return Math.round(s * 1_000_000) / 1000;
}

export function ipFamily(word: string): 4 | 6 | 0 {
  return isIP(word) as 4 | 6 | 0;
}

export function readIp(word: string | undefined, keyword: string, at: Place, d: Diagnostics): string | undefined {
  if (word === undefined || ipFamily(word) === 0) {
    d.error(at, `${keyword}: invalid IP address '${word ?? ''}'`);
    return undefined;
  }
  return word;
}

export function readPort(word: string | undefined, what: string, at: Place, d: Diagnostics): number | undefined {
  return readInt(word, what, 0, 65535, at, d);
}
