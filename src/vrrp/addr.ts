// IP address bytes for the VRRP core: parse, format (inet_ntop style, RFC 5952 for IPv6) and the
// unsigned big-endian comparison RFC 5798 §6.4.3 uses to break a priority tie ("the primary IPvX
// address of the sender is greater than the local primary IPvX address"). Pure, never throws.

export type IpFamily = 4 | 6;

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address in network byte order. */
export type IpBytes = Uint8Array;

export function familyOf(addr: IpBytes): IpFamily | undefined {
  if (addr.length === 4) return 4;
  if (addr.length === 16) return 6;
  return undefined;
}

/** Dotted quad to 4 bytes, or undefined. */
export function parseIpv4(text: string): IpBytes | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** RFC 4291 §2.2 text (with `::` and an optional trailing dotted quad) to 16 bytes, or undefined. */
export function parseIpv6(text: string): IpBytes | undefined {
  let s = text;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const groups: number[] = [];
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parseHalf = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const items = h.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseIpv4(it);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return undefined;
        out.push(parseInt(it, 16));
      }
    }
    return out;
  };
  const head = parseHalf(halves[0]);
  if (!head) return undefined;
  if (halves.length === 2) {
    const tail = parseHalf(halves[1]);
    if (!tail) return undefined;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups.push(...head, ...new Array<number>(missing).fill(0), ...tail);
  } else {
    groups.push(...head);
  }
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i] >> 8;
    out[2 * i + 1] = groups[i] & 0xff;
  }
  return out;
}

/** Either family, or undefined. */
export function parseIp(text: string): IpBytes | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

/** Like parseIp but throws on bad input: for tests and config already validated. */
export function ip(text: string): IpBytes {
  const a = parseIp(text);
  if (!a) throw new RangeError(`not an IP address: ${text}`);
  return a;
}

/** inet_ntop-style text: dotted quad, or RFC 5952 compressed IPv6 (longest zero run >= 2 as `::`). */
export function formatIp(addr: IpBytes): string {
  if (addr.length === 4) return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}`;
  if (addr.length !== 16) return `<${addr.length}-byte address>`;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((addr[2 * i] << 8) | addr[2 * i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number, b: number) => g.slice(a, b).map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/**
 * Unsigned big-endian comparison: <0, 0, >0. Different lengths compare by length (an IPv4 and an
 * IPv6 address never meet in one VRRP instance, but the function stays total).
 */
export function compareIp(a: IpBytes, b: IpBytes): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

export function ipEquals(a: IpBytes, b: IpBytes): boolean {
  return compareIp(a, b) === 0;
}
