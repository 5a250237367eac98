// Real loopback servers for the probe tests (not a test file itself).
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Running {
  port: number;
  close(): Promise<void>;
}

function trackSockets(server: Server | NetServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

async function listen(server: Server | NetServer): Promise<Running> {
  const sockets = trackSockets(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function httpServer(handler: Handler): Promise<Running> {
  return listen(createHttpServer(handler));
}

let certCache: { key: string; cert: string } | undefined;

/** A throw-away self-signed certificate made with openssl at test time (never committed). */
export function selfSignedCert(): { key: string; cert: string } {
  if (certCache) return certCache;
  const dir = mkdtempSync(join(tmpdir(), 'kats-cert-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore', timeout: 20_000 },
    );
    certCache = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    return certCache;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function httpsServer(handler: Handler): Promise<Running> {
  return listen(createHttpsServer(selfSignedCert(), handler));
}

/** Accepts connections and never says a word. */
export function silentServer(): Promise<Running> {
  return listen(createNetServer(() => {}));
}

/** A raw TCP server: `onConn` gets each socket. */
export function rawServer(onConn: (s: Socket) => void): Promise<Running> {
  return listen(createNetServer(onConn));
}

/** A port with nothing listening (bound, then released). */
export async function refusedPort(): Promise<number> {
  const r = await listen(createNetServer());
  await r.close();
  return r.port;
}

export interface UdpRunning {
  port: number;
  received: number;
  close(): Promise<void>;
}

/** A UDP server answering each datagram with `reply(msg)` (null = no answer). */
export async function udpServer(reply: (msg: Buffer) => Buffer | Buffer[] | null): Promise<UdpRunning> {
  const sock: UdpSocket = createSocket('udp4');
  const state: UdpRunning = {
    port: 0,
    received: 0,
    close: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
  sock.on('message', (msg, rinfo) => {
    state.received++;
    const r = reply(msg);
    if (!r) return;
    for (const b of Array.isArray(r) ? r : [r]) sock.send(b, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  state.port = sock.address().port;
  return state;
}
