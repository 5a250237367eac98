// The LVS manager: keeps the kernel's IPVS table equal to the wanted one. On every change of the
// wanted table (health, quorum, reload, VRRP state for self-balancing) and periodically (IPVS has
// no change notifications, so changes made behind our back, e.g. with ipvsadm, are only seen by
// reading the table), it dumps the kernel's table, diffs it with reconcile() and applies the
// smallest set of operations in batches. It never touches services it does not own.
//
// "Hook-managed" services (a VIP whose VRRP instance runs the user's own notify scripts, such as
// the self-balancing article's to_backup.sh that clears the table on purpose) are handled the way
// keepalived's checker handles them: destination changes are applied to a service that exists,
// but a service the hooks removed is not re-created, and the periodic repair leaves them alone.
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../lib/clock.ts';
import type { IpvsOp, IpvsTable, ServiceKey } from '../ipvs/types.ts';
import type { ApplyResult } from '../ipvs/client.ts';
import { reconcile, serviceId } from '../ipvs/reconcile.ts';
import { describeOp } from '../ipvs/client.ts';

export type { ApplyResult };

export interface IpvsPort {
  getTable(): Promise<IpvsTable>;
  apply(ops: IpvsOp[]): Promise<ApplyResult[]>;
}

export interface LvsManagerOptions {
  ipvs: IpvsPort;
  logger: Logger;
  clock: Clock;
  /** Periodic repair; 0 disables it. Default 5 s. */
  repairIntervalMs?: number;
  /** Coalesce bursts of changes (many checkers flipping at once) into one sync. Default 20 ms. */
  coalesceMs?: number;
}

export interface SyncReport {
  ops: IpvsOp[];
  failed: ApplyResult[];
}

export class LvsManager {
  private readonly o: Required<LvsManagerOptions>;
  private wanted: IpvsTable = { services: [] };
  /** Services this daemon owns: every service of the current wanted table and of earlier ones still present. */
  private readonly owned = new Set<string>();
  private hookManaged = new Set<string>();
  /** Services we created at least once: a hook-managed one missing after that was removed on purpose. */
  private readonly created = new Set<string>();
  private syncTimer: TimerHandle | null = null;
  private repairTimer: TimerHandle | null = null;
  private running: Promise<SyncReport> | null = null;
  private again = false;
  private stopped = false;
  readonly counters = { syncs: 0, ops: 0, failedOps: 0, repairs: 0 };

  constructor(o: LvsManagerOptions) {
    this.o = { repairIntervalMs: 5000, coalesceMs: 20, ...o };
  }

  /** Sets the table to hold; services leaving it are removed at the next sync (we still own them). */
  setWanted(table: IpvsTable, hookManaged: Iterable<ServiceKey> = []): void {
    this.source = null;
    this.hold(table);
    this.hookManaged = new Set([...hookManaged].map(serviceId));
    this.schedule();
  }

  /**
   * As setWanted, but the table is computed by `source` when the next pass starts, once however
   * many changes came in meanwhile. Building the wanted table of 1,000 services x 10 real
   * servers costs ~14 ms here (~10x that under QEMU/TCG); building it on every health change made
   * 1,000 real servers failing at once saturate the CPU for minutes (bench/lvs.ts).
   */
  setWantedSource(source: () => IpvsTable, hookManaged: Iterable<ServiceKey> = []): void {
    this.source = source;
    this.hookManaged = new Set([...hookManaged].map(serviceId));
    this.schedule();
  }

  private source: (() => IpvsTable) | null = null;

  private hold(table: IpvsTable): void {
    this.wanted = table;
    for (const s of table.services) this.owned.add(serviceId(s.service));
  }

  /**
   * Takes ownership of services that are not (yet) wanted, so that leftovers of a crashed run
   * are removed (the self-balancing tier keeps its services out of the table while BACKUP).
   */
  claim(keys: Iterable<ServiceKey>): void {
    for (const k of keys) this.owned.add(serviceId(k));
    this.schedule();
  }

  start(): void {
    this.schedule();
    this.armRepair();
  }

  private armRepair(): void {
    if (this.o.repairIntervalMs <= 0 || this.stopped) return;
    this.repairTimer = this.o.clock.setTimer(this.o.repairIntervalMs, () => {
      void this.sync({ repair: true }).finally(() => this.armRepair());
    });
  }

  private schedule(): void {
    if (this.stopped || this.syncTimer) return;
    this.syncTimer = this.o.clock.setTimer(this.o.coalesceMs, () => {
      this.syncTimer = null;
      void this.sync();
    });
  }

  /** One reconcile pass; concurrent calls are serialised and a change during a pass runs another. */
  async sync(opts: { repair?: boolean } = {}): Promise<SyncReport> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass(opts.repair ?? false);
    try {
      return await this.running;
    } finally {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.schedule();
      }
    }
  }

  private async pass(repair: boolean): Promise<SyncReport> {
    if (this.source) {
      // Every pass reads the source: it is cheap to call once, and a change that came in while
      // the previous pass ran is seen here.
      this.hold(this.source());
    }
    let actual: IpvsTable;
    try {
      actual = await this.o.ipvs.getTable();
    } catch (e) {
      this.o.logger.error({ err: (e as Error).message }, `IPVS: cannot read the kernel table: ${(e as Error).message}`);
      return { ops: [], failed: [] };
    }
    const present = new Set(actual.services.map((s) => serviceId(s.service)));
    const owned = (k: ServiceKey) => {
      const id = serviceId(k);
      if (!this.owned.has(id)) return false;
      // The periodic repair never touches hook-managed services.
      return !(repair && this.hookManaged.has(id));
    };
    const ops = reconcile(this.wanted, actual, owned).filter((op) => {
      const id = serviceId(op.service);
      if (!this.hookManaged.has(id) || present.has(id) || !this.created.has(id)) return true;
      // A hook removed this service on purpose: do not bring it (or its destinations) back.
      return op.kind === 'del-service';
    });
    this.counters.syncs++;
    if (ops.length === 0) return { ops, failed: [] };
    if (repair) {
      this.counters.repairs++;
      this.o.logger.warn({ ops: ops.length }, `IPVS table differs from the wanted one (changed behind our back?): applying ${ops.length} operation(s)`);
    }
    const results = await this.o.ipvs.apply(ops);
    const failed = results.filter((r) => r.error);
    for (const r of results) if (!r.error && r.op.kind === 'new-service') this.created.add(serviceId(r.op.service));
    this.counters.ops += ops.length;
    this.counters.failedOps += failed.length;
    for (const f of failed) this.o.logger.error({ code: f.error!.code }, `IPVS: ${f.op.kind} ${describeOp(f.op)} failed: ${f.error!.message}`);
    // Services that left the wanted table and are gone from the kernel are no longer ours.
    const wantedIds = new Set(this.wanted.services.map((s) => serviceId(s.service)));
    for (const id of [...this.owned]) if (!wantedIds.has(id) && !present.has(id)) this.owned.delete(id);
    for (const op of ops) if (op.kind === 'del-service' && !wantedIds.has(serviceId(op.service))) this.owned.delete(serviceId(op.service));
    return { ops, failed };
  }

  /** Stops timers; with `release` removes every owned service (keepalived's shutdown, unless -I). */
  async stop(release: boolean): Promise<void> {
    this.stopped = true;
    this.syncTimer?.cancel();
    this.repairTimer?.cancel();
    if (this.running) await this.running.catch(() => undefined);
    if (!release) return;
    this.source = null;
    this.wanted = { services: [] };
    this.hookManaged = new Set();
    await this.pass(false);
  }
}
