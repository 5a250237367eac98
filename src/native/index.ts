// Typed access to the kats_sockets addon (src/native/sockets.c). The addon is protocol-blind:
// addresses, option values and control messages are raw bytes built by sockaddr.ts / cmsg.ts.
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** A system call failure from the addon: `code` is the errno name ('EPERM', 'EADDRNOTAVAIL', ...). */
export interface SysError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

export interface RecvResult {
  /** The received bytes (at most maxData). */
  data: Buffer;
  /** recvmsg's return value: the full datagram length when MSG_TRUNC was passed in flags. */
  size: number;
  /** Raw source sockaddr (decode with sockaddr.ts). */
  addr: Buffer;
  /** Raw control messages (decode with cmsg.ts). */
  control: Buffer;
  /** msg_flags (MSG_TRUNC, MSG_CTRUNC...). */
  flags: number;
}

/** libuv readiness bits passed to a poll callback. */
export const UV_READABLE = 1;
export const UV_WRITABLE = 2;
export const UV_DISCONNECT = 4;

export interface PollHandle {
  /** Stops watching for good (idempotent). Call before closing the fd. */
  stop(): void;
  /** Changes the watched events; both false pauses the watcher. */
  update(readable: boolean, writable: boolean): void;
  /** ref(false) lets the process exit while this watcher is active (uv_unref). */
  ref(on?: boolean): void;
}

export interface NativeSockets {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, sockaddr: Uint8Array): void;
  connect(fd: number, sockaddr: Uint8Array): void;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array): void;
  getsockopt(fd: number, level: number, name: number, maxLength: number): Buffer;
  getsockname(fd: number): Buffer;
  sendto(fd: number, data: Uint8Array, sockaddr: Uint8Array | null, flags?: number): number;
  sendmsg(fd: number, data: Uint8Array, sockaddr: Uint8Array | null, control: Uint8Array | null, flags?: number): number;
  /** null when nothing is queued (EAGAIN). */
  recvmsg(fd: number, maxData: number, maxControl: number, flags?: number): RecvResult | null;
  poll(fd: number, readable: boolean, writable: boolean, cb: (err: Error | null, events: number) => void): PollHandle;
  close(fd: number): void;
  /** setns(2) for the calling (main) thread: new sockets are created in that namespace. */
  setns(fd: number, nstype: number): void;
  /** A libuv signal watcher for any signal number (process.on() knows only the named ones). */
  signal(signum: number, cb: (signum: number) => void): SignalHandle;
  /** clock_gettime(2) in ms; CLOCK_REALTIME = 0 (the clock of SO_TIMESTAMPNS). */
  clockGettime(clockId: number): number;
  /** timerfd_create(2), non-blocking and close-on-exec; watch it with poll() and read(). */
  timerfdCreate(clockId: number): number;
  /** Arms a timerfd once, `ms` from now (or at `ms` on its clock when absolute); 0 or past: at once. */
  timerfdSet(fd: number, ms: number, absolute: boolean): void;
  /** read(2) of at most maxBytes; null when nothing is ready (EAGAIN). */
  read(fd: number, maxBytes: number): Buffer | null;
}

export interface SignalHandle {
  /** Stops watching for good (idempotent); the signal's default action applies again. */
  stop(): void;
  /** ref(false) lets the process exit while this watcher is active (uv_unref). */
  ref(on?: boolean): void;
}

export const ADDON_PATH = join(import.meta.dirname, 'build', 'Release', 'kats_sockets.node');

let cached: NativeSockets | undefined;

/** The addon, loaded on first use. Throws an Error with code ERR_KATS_NATIVE_MISSING when not built. */
export function native(): NativeSockets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  try {
    cached = require(ADDON_PATH) as NativeSockets;
  } catch (e) {
    const err = new Error(
      `keepalived-ts native addon not loadable at ${ADDON_PATH}: ${(e as Error).message}. ` +
        'Build it with `npm install` (runs node-gyp) or `npx node-gyp rebuild -C src/native`.',
      { cause: e },
    ) as Error & { code: string };
    err.code = 'ERR_KATS_NATIVE_MISSING';
    throw err;
  }
  return cached;
}

/** True when the addon can be loaded (tests use this to explain a skip). */
export function nativeAvailable(): boolean {
  try {
    native();
    return true;
  } catch {
    return false;
  }
}

export function isSysError(e: unknown): e is SysError {
  return e instanceof Error && typeof (e as SysError).code === 'string' && typeof (e as SysError).errno === 'number';
}
