// systemd's notify protocol (sd_notify(3)): one datagram "READY=1" / "RELOADING=1\nMONOTONIC_USEC=N"
// / "STOPPING=1" / "STATUS=..." to the AF_UNIX SOCK_DGRAM socket named by $NOTIFY_SOCKET (a path,
// or "@name" for the abstract namespace). Node has no unix datagram sockets, so this goes through
// the protocol-blind addon (socket/sendto) with the sockaddr_un encoded here. Without
// $NOTIFY_SOCKET (not under systemd, Type=simple) every call is a no-op.
import { native } from '../native/index.ts';
import { SOCK_DGRAM, SOCK_CLOEXEC } from '../native/constants.ts';

const AF_UNIX = 1;
const SUN_PATH_MAX = 108;

/** struct sockaddr_un for a path ("/run/systemd/notify") or an abstract name ("@name"). */
export function sockaddrUn(path: string): Buffer {
  const abstract = path.startsWith('@');
  const name = Buffer.from(abstract ? path.slice(1) : path, 'utf8');
  const len = name.length + (abstract ? 1 : 0);
  if (len >= SUN_PATH_MAX) throw new Error(`unix socket path too long (${len} bytes): ${path}`);
  // sa_family (2 bytes, host order = little endian on Linux/x86 and arm64), then sun_path. An
  // abstract name starts with a NUL and its length is exact (no terminating NUL).
  const b = Buffer.alloc(2 + len + (abstract ? 0 : 1));
  b.writeUInt16LE(AF_UNIX, 0);
  name.copy(b, abstract ? 3 : 2);
  return b;
}

export class SdNotifier {
  readonly socketPath: string | undefined;
  #fd = -1;

  constructor(socketPath: string | undefined = process.env.NOTIFY_SOCKET) {
    this.socketPath = socketPath && socketPath.length > 0 ? socketPath : undefined;
  }

  get enabled(): boolean {
    return this.socketPath !== undefined;
  }

  /** Sends one state string; returns an error text or null (never throws). */
  send(state: string): string | null {
    if (!this.socketPath) return null;
    try {
      const n = native();
      if (this.#fd < 0) this.#fd = n.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      n.sendto(this.#fd, Buffer.from(state, 'utf8'), sockaddrUn(this.socketPath));
      return null;
    } catch (e) {
      return `sd_notify(${state.split('\n')[0]}) to ${this.socketPath} failed: ${(e as Error).message}`;
    }
  }

  ready(status?: string): string | null {
    return this.send(`READY=1${status ? `\nSTATUS=${status}` : ''}`);
  }

  /** RELOADING=1 with MONOTONIC_USEC, as Type=notify-reload requires (harmless for Type=notify). */
  reloading(): string | null {
    const usec = process.hrtime.bigint() / 1000n;
    return this.send(`RELOADING=1\nMONOTONIC_USEC=${usec}`);
  }

  stopping(): string | null {
    return this.send('STOPPING=1');
  }

  close(): void {
    if (this.#fd >= 0) {
      try {
        native().close(this.#fd);
      } catch {
        // closing is best effort
      }
      this.#fd = -1;
    }
  }
}
