// The control socket behind `keepalived-ts status` and `keepalived-ts ctl`: a unix stream socket
// that only root can open (the socket is created under a 0700 directory with mode 0600), carrying
// one JSON request per line and one JSON reply per line. Handlers are supplied by the daemon.
import { createServer, createConnection, type Server } from 'node:net';
import { chmodSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ControlRequest {
  cmd: string;
  args?: string[];
}

export type ControlReply = { ok: true; data: unknown } | { ok: false; error: string };

export type ControlHandler = (req: ControlRequest) => Promise<ControlReply> | ControlReply;

const MAX_REQUEST = 64 * 1024;

export async function startControlServer(path: string, handler: ControlHandler): Promise<Server> {
  // A directory we create is root-only (0700; mkdir's mode is filtered by the umask, hence the
  // chmod). An existing one is left as it is: the socket may live in /run or /tmp, whose modes
  // are not ours to change; the socket's own 0600 below is what refuses other users.
  if (mkdirSync(dirname(path), { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dirname(path), 0o700);
  if (existsSync(path)) rmSync(path, { force: true });
  const server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST) {
        sock.end(JSON.stringify({ ok: false, error: 'request too large' }) + '\n');
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        void answer(line).then((r) => sock.write(JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n'));
      }
    });
  });
  async function answer(line: string): Promise<ControlReply> {
    let req: ControlRequest;
    try {
      req = JSON.parse(line) as ControlRequest;
      if (typeof req?.cmd !== 'string') return { ok: false, error: 'request has no "cmd"' };
    } catch {
      return { ok: false, error: 'request is not JSON' };
    }
    try {
      return await handler(req);
    } catch (e) {
      return { ok: false, error: `${req.cmd} failed: ${(e as Error).message}` };
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  return server;
}

export function controlRequest(path: string, req: ControlRequest, timeoutMs = 5000): Promise<ControlReply> {
  return new Promise((resolve) => {
    const sock = createConnection(path);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, error: `no answer from ${path} within ${timeoutMs} ms` });
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'));
    sock.on('data', (c: string) => {
      buf += c;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      sock.end();
      try {
        resolve(JSON.parse(buf.slice(0, nl)) as ControlReply);
      } catch {
        resolve({ ok: false, error: 'malformed reply' });
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, error: e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? `keepalived-ts is not running (no control socket at ${path})` : e.code === 'EACCES' ? `permission denied on ${path}: run as root` : e.message });
    });
  });
}
