// IpvsClient: the IPVS generic-netlink family over NetlinkSocket. The family id is dynamic
// (CTRL_CMD_GETFAMILY "IPVS"); IPVS state is per network namespace, so one client per netns.
// The family has no multicast groups: there are no change events, callers poll or reconcile.
// Every kernel refusal becomes an IpvsError whose `code` is the errno name and whose message
// says what it means for the operation at hand (the kernel reuses errnos: ENOENT is "no such
// destination" for DEL_DEST but "scheduler module not found" for NEW_SERVICE).
import { NetlinkSocket, NetlinkError } from '../netlink/socket.ts';
import type { NlRequest, NlResult } from '../netlink/socket.ts';
import { resolveFamily } from '../netlink/genl.ts';
import { NLM_F_DUMP } from '../netlink/message.ts';
import type { NlMessage } from '../netlink/message.ts';
import { NETLINK_GENERIC } from '../native/constants.ts';
import { IPVS_GENL_NAME } from './constants.ts';
import * as codec from './codec.ts';
import { describeService, describeDest } from './describe.ts';
import type {
  DaemonConfig,
  DestConfig,
  DestKey,
  Destination,
  IpvsInfo,
  IpvsOp,
  IpvsTable,
  IpvsTimeouts,
  Service,
  ServiceConfig,
  ServiceKey,
  SyncState,
} from './types.ts';

export interface IpvsClientOptions {
  /** Work on the IPVS table of this named network namespace (/run/netns/NAME). */
  netns?: string;
  /** Per-request timeout, ms (default 30 s). */
  timeoutMs?: number;
}

type OpName =
  | 'GET_INFO'
  | 'NEW_SERVICE'
  | 'SET_SERVICE'
  | 'DEL_SERVICE'
  | 'GET_SERVICE'
  | 'NEW_DEST'
  | 'SET_DEST'
  | 'DEL_DEST'
  | 'GET_DEST'
  | 'NEW_DAEMON'
  | 'DEL_DAEMON'
  | 'GET_DAEMON'
  | 'SET_CONFIG'
  | 'GET_CONFIG'
  | 'ZERO'
  | 'FLUSH'
  | 'RESOLVE_FAMILY'
  | 'OPEN';

/** Meaning of each errno per operation, from net/netfilter/ipvs/ip_vs_ctl.c and ip_vs_sync.c. */
function meaning(op: OpName, code: string): string | undefined {
  switch (code) {
    case 'ESRCH':
      if (op === 'DEL_DAEMON') return 'no such sync daemon running';
      return 'no such service';
    case 'ENOENT':
      if (op === 'OPEN') return 'no such network namespace';
      if (op === 'NEW_SERVICE' || op === 'SET_SERVICE') return 'scheduler or persistence engine module not found';
      if (op === 'RESOLVE_FAMILY') return 'the kernel has no IPVS (ip_vs module not loaded, or not built)';
      return 'no such destination';
    case 'EEXIST':
      if (op === 'NEW_SERVICE') return 'service already exists';
      if (op === 'NEW_DEST') return 'destination already exists';
      if (op === 'NEW_DAEMON') return 'sync daemon already running';
      return 'already exists';
    case 'EINVAL':
      return 'invalid argument';
    case 'EPERM':
    case 'EACCES':
      return 'permission denied (IPVS needs CAP_NET_ADMIN)';
    case 'ERANGE':
      return 'value out of range (weight or threshold)';
    case 'EAFNOSUPPORT':
      return 'address family not supported (IPv6 IPVS disabled?)';
    case 'EBUSY':
      return 'busy';
    case 'ENODEV':
      return 'no such network device';
    default:
      return undefined;
  }
}

/** A failed IPVS operation: `code` is the errno name (ESRCH, ENOENT, EEXIST, EINVAL, ...). */
export class IpvsError extends NetlinkError {
  readonly op: string;
  /** What the operation was about, e.g. "TCP 10.0.0.1:80 -> 10.0.0.2:80". */
  readonly target: string;

  constructor(op: string, target: string, cause: unknown) {
    const ne = cause instanceof NetlinkError ? cause : undefined;
    const code = ne?.code ?? (cause as { code?: string })?.code ?? 'ERR_IPVS';
    const what = meaning(op as OpName, code) ?? (ne ? ne.message : (cause as Error)?.message ?? String(cause));
    super({
      errno: ne?.errno ?? 0,
      code,
      // requestType left out: it is the dynamic family id, which says nothing to a reader.
      extack: ne?.extack,
      extackOffset: ne?.extackOffset,
      // NetlinkError appends the kernel's extended-ack text, when there is one, after this.
      message: `IPVS ${op}${target ? ` ${target}` : ''}: ${what} (${code})`,
      cause,
    });
    this.name = 'IpvsError';
    this.op = op;
    this.target = target;
  }
}

export interface ApplyResult {
  op: IpvsOp;
  /** Undefined when the kernel accepted the operation. */
  error?: IpvsError;
}

const OP_NAME: Record<IpvsOp['kind'], OpName> = {
  'new-service': 'NEW_SERVICE',
  'set-service': 'SET_SERVICE',
  'del-service': 'DEL_SERVICE',
  'new-dest': 'NEW_DEST',
  'set-dest': 'SET_DEST',
  'del-dest': 'DEL_DEST',
};

export function describeOp(op: IpvsOp): string {
  const s = describeService(op.service);
  return 'dest' in op ? `${s} -> ${describeDest(op.dest, op.service.af)}` : s;
}

/** What the client needs of a socket: NetlinkSocket, or a fake in unit tests. */
export type IpvsTransport = Pick<NetlinkSocket, 'request' | 'requestMany' | 'close'>;

export class IpvsClient {
  readonly familyId: number;
  readonly #sock: IpvsTransport;

  private constructor(sock: IpvsTransport, familyId: number) {
    this.#sock = sock;
    this.familyId = familyId;
  }

  /** A client over an already open generic netlink transport and a resolved IPVS family id. */
  static fromTransport(sock: IpvsTransport, familyId: number): IpvsClient {
    return new IpvsClient(sock, familyId);
  }

  /** Opens a generic netlink socket and resolves the IPVS family id. */
  static async open(opts: IpvsClientOptions = {}): Promise<IpvsClient> {
    let sock: NetlinkSocket;
    try {
      sock = NetlinkSocket.open(NETLINK_GENERIC, { netns: opts.netns, timeoutMs: opts.timeoutMs });
    } catch (e) {
      throw new IpvsError('OPEN', opts.netns ? `netns ${opts.netns}` : 'generic netlink socket', e);
    }
    try {
      const fam = await resolveFamily(sock, IPVS_GENL_NAME);
      return new IpvsClient(sock, fam.id);
    } catch (e) {
      sock.close();
      throw new IpvsError('RESOLVE_FAMILY', IPVS_GENL_NAME, e);
    }
  }

  close(): void {
    this.#sock.close();
  }

  async #req(op: OpName, target: string, payload: Buffer, dump = false): Promise<NlMessage[]> {
    try {
      const msgs = await this.#sock.request(this.familyId, dump ? NLM_F_DUMP : 0, payload);
      return msgs.filter((m) => m.type === this.familyId);
    } catch (e) {
      throw new IpvsError(op, target, e);
    }
  }

  /** Encoding errors (bad address, out-of-range value) surface as IpvsError too, with their own code. */
  #enc(op: OpName, target: string, f: () => Buffer): Buffer {
    try {
      return f();
    } catch (e) {
      throw new IpvsError(op, target, e);
    }
  }

  // ---------------------------------------------------------------- info and config

  async getInfo(): Promise<IpvsInfo> {
    const [m] = await this.#req('GET_INFO', '', codec.encodeGetInfo());
    if (!m) throw new IpvsError('GET_INFO', '', new Error('no reply'));
    return codec.decodeInfoReply(m.payload);
  }

  async getTimeouts(): Promise<IpvsTimeouts> {
    const [m] = await this.#req('GET_CONFIG', '', codec.encodeGetConfig());
    if (!m) throw new IpvsError('GET_CONFIG', '', new Error('no reply'));
    return codec.decodeConfigReply(m.payload);
  }

  /** Sets connection timeouts (seconds); omitted or 0 values stay as they are. */
  async setTimeouts(t: Partial<IpvsTimeouts>): Promise<void> {
    await this.#req('SET_CONFIG', '', this.#enc('SET_CONFIG', '', () => codec.encodeSetConfig(t)));
  }

  /** Removes every service and destination. */
  async flush(): Promise<void> {
    await this.#req('FLUSH', '', codec.encodeFlush());
  }

  /** Zeroes the counters of one service, or of all. */
  async zero(svc?: ServiceKey): Promise<void> {
    const target = svc ? describeService(svc) : '';
    await this.#req('ZERO', target, this.#enc('ZERO', target, () => codec.encodeZero(svc)));
  }

  // ---------------------------------------------------------------- services

  async getServices(opts: codec.DecodeOptions = {}): Promise<Service[]> {
    const msgs = await this.#req('GET_SERVICE', '', codec.encodeGetServices(), true);
    return msgs.map((m) => codec.decodeServiceReply(m.payload, opts));
  }

  /** One service by identity; rejects with code ESRCH when there is none. */
  async getService(key: ServiceKey): Promise<Service> {
    const target = describeService(key);
    const [m] = await this.#req('GET_SERVICE', target, this.#enc('GET_SERVICE', target, () => codec.encodeGetService(key)));
    if (!m) throw new IpvsError('GET_SERVICE', target, new Error('no reply'));
    return codec.decodeServiceReply(m.payload);
  }

  async newService(s: ServiceConfig): Promise<void> {
    await this.#one({ kind: 'new-service', service: s });
  }
  async setService(s: ServiceConfig): Promise<void> {
    await this.#one({ kind: 'set-service', service: s });
  }
  async delService(k: ServiceKey): Promise<void> {
    await this.#one({ kind: 'del-service', service: k });
  }

  // ---------------------------------------------------------------- destinations

  async getDests(svc: ServiceKey, opts: codec.DecodeOptions = {}): Promise<Destination[]> {
    const target = describeService(svc);
    const msgs = await this.#req('GET_DEST', target, this.#enc('GET_DEST', target, () => codec.encodeGetDests(svc)), true);
    return msgs.map((m) => codec.decodeDestReply(m.payload, svc.af, opts));
  }

  async newDest(svc: ServiceKey, d: DestConfig): Promise<void> {
    await this.#one({ kind: 'new-dest', service: svc, dest: d });
  }
  async setDest(svc: ServiceKey, d: DestConfig): Promise<void> {
    await this.#one({ kind: 'set-dest', service: svc, dest: d });
  }
  async delDest(svc: ServiceKey, d: DestKey): Promise<void> {
    await this.#one({ kind: 'del-dest', service: svc, dest: d });
  }

  /**
   * Every service with its destinations: one service dump, then one destination dump per service
   * (the kernel has no whole-table dump). The socket runs one dump at a time, so only a few are
   * queued at once: each request's timeout then starts near its own send, however big the table.
   * `{ stats: false }` skips decoding counters (what reconcile needs is the configuration).
   */
  async getTable(opts: codec.DecodeOptions = {}): Promise<IpvsTable<Service, Destination>> {
    const services = await this.getServices(opts);
    const dests: Destination[][] = new Array(services.length);
    let next = 0;
    const worker = async () => {
      while (next < services.length) {
        const i = next++;
        dests[i] = await this.getDests(services[i], opts);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, services.length) }, worker));
    return { services: services.map((service, i) => ({ service, dests: dests[i] })) };
  }

  /**
   * Only the services named (those absent are left out): GET_SERVICE then a destination dump for
   * each. For the few services an LVS pass must see fresh without reading the whole table.
   */
  async getTableOf(keys: ServiceKey[], opts: codec.DecodeOptions = {}): Promise<IpvsTable<Service, Destination>> {
    const services: IpvsTable<Service, Destination>['services'] = [];
    for (const key of keys) {
      let service: Service;
      try {
        service = await this.getService(key);
      } catch (e) {
        if ((e as IpvsError).code === 'ESRCH') continue;
        throw e;
      }
      services.push({ service, dests: await this.getDests(service, opts) });
    }
    return { services };
  }

  // ---------------------------------------------------------------- sync daemon

  async startDaemon(d: DaemonConfig): Promise<void> {
    const target = `${d.state} ${d.mcastIfn} syncid ${d.syncId}`;
    await this.#req('NEW_DAEMON', target, this.#enc('NEW_DAEMON', target, () => codec.encodeNewDaemon(d)));
  }

  async stopDaemon(state: SyncState): Promise<void> {
    await this.#req('DEL_DAEMON', state, this.#enc('DEL_DAEMON', state, () => codec.encodeDelDaemon(state)));
  }

  async getDaemons(): Promise<DaemonConfig[]> {
    const msgs = await this.#req('GET_DAEMON', '', codec.encodeGetDaemons(), true);
    return msgs.map((m) => codec.decodeDaemonReply(m.payload));
  }

  // ---------------------------------------------------------------- batches

  async #one(op: IpvsOp): Promise<void> {
    const [r] = await this.apply([op]);
    if (r.error) throw r.error;
  }

  /**
   * Sends many table operations pipelined (NetlinkSocket.requestMany packs many messages per
   * write), in order, and reports each one's outcome. Never rejects for a kernel refusal: a
   * failed operation does not stop the ones after it (the kernel applies each message on its own).
   */
  async apply(ops: IpvsOp[]): Promise<ApplyResult[]> {
    const results: ApplyResult[] = ops.map((op) => ({ op }));
    const batch: NlRequest[] = [];
    const index: number[] = [];
    ops.forEach((op, i) => {
      try {
        batch.push({ type: this.familyId, flags: 0, payload: codec.encodeOp(op) });
        index.push(i);
      } catch (e) {
        results[i].error = new IpvsError(OP_NAME[op.kind], describeOp(op), e);
      }
    });
    const replies: NlResult[] = batch.length ? await this.#sock.requestMany(batch) : [];
    replies.forEach((r, j) => {
      const i = index[j];
      if (!r.ok) results[i].error = new IpvsError(OP_NAME[ops[i].kind], describeOp(ops[i]), r.error);
    });
    return results;
  }
}
