// The netlink error tree. A kernel NLMSG_ERROR (linux/netlink.h: struct nlmsgerr, s32 error =
// -errno) becomes a NetlinkError whose `code` is the errno name, so callers switch on stable strings
// ('ESRCH' no such IPVS service, 'EEXIST', 'ENOENT', 'EADDRNOTAVAIL' ...). Socket-level failures use
// the same class with the syscall errno; local conditions use ERR_* codes.
import { getSystemErrorMessage, getSystemErrorName } from 'node:util';

/**
 * Kernel-internal errno values that can leak through netlink (include/linux/errno.h), and the
 * kernel's own spelling where libuv picks an alias (95 is EOPNOTSUPP in kernel code, ENOTSUP in libuv).
 */
const KERNEL_ONLY: Record<number, string> = { 95: 'EOPNOTSUPP', 512: 'ERESTARTSYS', 524: 'ENOTSUPP' };

export function errnoName(errno: number): string {
  if (KERNEL_ONLY[errno]) return KERNEL_ONLY[errno];
  try {
    const name = getSystemErrorName(-errno);
    if (!name.startsWith('Unknown')) return name;
  } catch {
    // not an errno Node knows
  }
  return `ERRNO_${errno}`;
}

function errnoText(errno: number): string {
  try {
    return getSystemErrorMessage(-errno);
  } catch {
    return `errno ${errno}`;
  }
}

export interface NetlinkErrorInit {
  /** Positive errno, or 0 for local conditions. */
  errno: number;
  /** Overrides the errno-derived code (ERR_* for local conditions). */
  code?: string;
  /** The nlmsg_type of the request that failed. */
  requestType?: number;
  /** Extended ack message (NLMSGERR_ATTR_MSG), when the kernel sent one. */
  extack?: string;
  /** Extended ack offset of the offending attribute in the request (NLMSGERR_ATTR_OFFS). */
  extackOffset?: number;
  message?: string;
  cause?: unknown;
}

export class NetlinkError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly requestType: number | undefined;
  readonly extack: string | undefined;
  readonly extackOffset: number | undefined;

  constructor(init: NetlinkErrorInit) {
    const code = init.code ?? errnoName(init.errno);
    const text = init.message ?? `${code}: ${errnoText(init.errno)}`;
    const parts = [text];
    if (init.extack) parts.push(`(${init.extack})`);
    if (init.requestType !== undefined) parts.push(`[request type ${init.requestType}]`);
    super(parts.join(' '), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'NetlinkError';
    this.code = code;
    this.errno = init.errno;
    this.requestType = init.requestType;
    this.extack = init.extack;
    this.extackOffset = init.extackOffset;
  }
}

export function isNetlinkError(e: unknown, code?: string): e is NetlinkError {
  return e instanceof NetlinkError && (code === undefined || e.code === code);
}
