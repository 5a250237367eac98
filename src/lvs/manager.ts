// The LVS manager: keeps the kernel's IPVS table equal to the wanted one. On every change of the
// wanted table (health, quorum, reload, VRRP state for self-balancing) it diffs the wanted table
// with reconcile() against the table AS LAST APPLIED (AppliedTable: the last kernel read, changed
// by every operation the kernel accepted since) and applies the smallest set of operations in
// one batch. The kernel is read back only where that memory may be wrong:
//  - at start-up (leftovers of a crashed run, services of other tools);
//  - after any failed operation (something changed behind our back): the next pass re-reads the
//    whole table, and one such resync pass is run at once;
//  - on the periodic repair pass: IPVS has no change notifications, so changes made behind our
//    back (ipvsadm) are only seen by reading the table; the repair puts them back;
//  - hook-managed services (below), re-read one by one on every pass: the user's scripts change them.
// Reading is the costly part: the kernel has no whole-table dump, so it is one destination dump per
// service (1,000 netlink dumps for 1,000 services: 22 % of the daemon's CPU in bench/lvs.ts when
// every pass read it). keepalived never reads the table back at all.
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
import { AppliedTable } from './applied-table.ts';

export type { ApplyResult };

export interface IpvsPort {
  /** The whole table; `stats: false` lets the client skip the counters (reconcile ignores them). */
  getTable(opts?: { stats?: boolean }): Promise<IpvsTable>;
  /** Only these services (absent ones left out); without it the manager reads the whole table. */
  getTableOf?(keys: ServiceKey[], opts?: { stats?: boolean }): Promise<IpvsTable>;
  apply(ops: IpvsOp[]): Promise<ApplyResult[]>;
}

export interface LvsManagerOptions {
  ipvs: IpvsPort;
  logger: Logger;
  clock: Clock;
  /** Periodic repair, the shortest interval (it grows with the cost of reading the table); 0 disables it. Default 5 s. */
  repairIntervalMs?: number;
  /** Coalesce bursts of changes (many checkers flipping at once) into one sync. Default 20 ms. */
  coalesceMs?: number;
}

export interface SyncReport {
  ops: IpvsOp[];
  failed: ApplyResult[];
}

/**
 * The repair interval is at least this many times the last whole-table read: reading is one
 * netlink dump per service, so a fixed 5 s would make a big table's repair a steady CPU load
 * (under QEMU/TCG 1,000 services took seconds per read). With 20x the read stays under ~5 % of
 * the time whatever the table size and machine; small tables keep the 5 s floor.
 */
const REPAIR_READ_FACTOR = 20;
/**
 * A pass whose own work (build, diff, apply) took P ms is followed by a gap of at least
 * GAP_FACTOR x P (capped) before the next one: a stream of health changes (1,000 checkers failing
 * one by one over a delay_loop) then costs the manager at most about a quarter of the CPU, the
 * rest is left to the checkers, and each pass carries more changes. With a 1,000 x 10 table P is
 * ~20 ms on hardware (~10x under QEMU/TCG), so a change waits at most a few P more.
 */
const GAP_FACTOR = 3;
const MAX_ADAPTIVE_GAP_MS = 1000;

export class LvsManager {
  private readonly o: Required<LvsManagerOptions>;
  private wanted: IpvsTable = { services: [] };
  /** Services this daemon owns: every service of the current wanted table and of earlier ones still present. */
  private readonly owned = new Set<string>();
  private hookManaged = new Map<string, ServiceKey>();
  /** Services we created at least once: a hook-managed one missing after that was removed on purpose. */
  private readonly created = new Set<string>();
  /** The table as last applied; null until the first read. */
  private known: AppliedTable | null = null;
  /** The next pass must read the kernel: an operation failed, or the table was flushed. */
  private stale = false;
  private syncTimer: TimerHandle | null = null;
  private repairTimer: TimerHandle | null = null;
  private running: Promise<SyncReport> | null = null;
  private again = false;
  /** A repair was asked for while a pass ran: the next pass reads the kernel. */
  private repairPending = false;
  /** The wanted table changed since the last pass started (a repair pass may then carry real changes). */
  private dirty = true;
  /** The previous pass had failures (its follow-up resync pass does not schedule another). */
  private failedLast = false;
  private lastReadMs = 0;
  private lastPassMs = 0;
  private stopped = false;
  /** reads: whole-table kernel reads; resyncs: passes whose failures forced the next to re-read. */
  readonly counters = { syncs: 0, ops: 0, failedOps: 0, repairs: 0, reads: 0, resyncs: 0 };

  constructor(o: LvsManagerOptions) {
    this.o = { repairIntervalMs: 5000, coalesceMs: 20, ...o };
  }

  /** Sets the table to hold; services leaving it are removed at the next sync (we still own them). */
  setWanted(table: IpvsTable, hookManaged: Iterable<ServiceKey> = []): void {
    this.source = null;
    this.hold(table);
    this.setHookManaged(hookManaged);
    this.changed();
  }

  /**
   * As setWanted, but the table is computed by `source` when the next pass starts, once however
   * many changes came in meanwhile. Building the wanted table of 1,000 services x 10 real
   * servers costs ~14 ms here (~10x that under QEMU/TCG); building it on every health change made
   * 1,000 real servers failing at once saturate the CPU for minutes (bench/lvs.ts).
   */
  setWantedSource(source: () => IpvsTable, hookManaged: Iterable<ServiceKey> = []): void {
    this.source = source;
    this.setHookManaged(hookManaged);
    this.changed();
  }

  private source: (() => IpvsTable) | null = null;

  private setHookManaged(keys: Iterable<ServiceKey>): void {
    this.hookManaged = new Map([...keys].map((k) => [serviceId(k), k]));
  }

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
    this.changed();
  }

  /** Forgets the table as last applied: the next pass reads the kernel (e.g. after lvs_flush). */
  resync(): void {
    this.stale = true;
    this.changed();
  }

  start(): void {
    this.schedule();
    this.armRepair();
  }

  private changed(): void {
    this.dirty = true;
    this.schedule();
  }

  private armRepair(): void {
    if (this.o.repairIntervalMs <= 0 || this.stopped) return;
    const every = Math.max(this.o.repairIntervalMs, REPAIR_READ_FACTOR * this.lastReadMs);
    this.repairTimer = this.o.clock.setTimer(every, () => {
      void this.sync({ repair: true }).finally(() => this.armRepair());
    });
  }

  private schedule(): void {
    if (this.stopped || this.syncTimer) return;
    const gap = Math.max(this.o.coalesceMs, Math.min(MAX_ADAPTIVE_GAP_MS, GAP_FACTOR * this.lastPassMs));
    this.syncTimer = this.o.clock.setTimer(gap, () => {
      this.syncTimer = null;
      void this.sync();
    });
  }

  /** One reconcile pass; concurrent calls are serialised and a change during a pass runs another. */
  async sync(opts: { repair?: boolean } = {}): Promise<SyncReport> {
    if (opts.repair) this.repairPending = true;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass();
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

  /** Services the repair may put back: owned and not hook-managed. */
  private repairable(id: string): boolean {
    return this.owned.has(id) && !this.hookManaged.has(id);
  }

  /** The whole table from the kernel, timed (the repair interval follows the read cost). */
  private async readAll(): Promise<AppliedTable> {
    const t0 = this.o.clock.now();
    const actual = await this.o.ipvs.getTable({ stats: false });
    this.lastReadMs = this.o.clock.now() - t0;
    this.counters.reads++;
    return AppliedTable.from(actual);
  }

  /** Re-reads the hook-managed services into `known`: the user's scripts add and clear them. */
  private async refreshHookManaged(known: AppliedTable): Promise<void> {
    const keys = [...this.hookManaged.values()];
    const fresh = this.o.ipvs.getTableOf
      ? await this.o.ipvs.getTableOf(keys, { stats: false })
      : { services: (await this.o.ipvs.getTable({ stats: false })).services.filter((s) => this.hookManaged.has(serviceId(s.service))) };
    for (const id of this.hookManaged.keys()) known.drop(id);
    for (const row of fresh.services) known.put(row);
  }

  private async pass(): Promise<SyncReport> {
    const tStart = this.o.clock.now();
    const repair = this.repairPending;
    this.repairPending = false;
    // A repair pass that carries no wanted change leaves hook-managed services alone (keepalived
    // never repairs them); one that does applies the change as an ordinary pass would.
    const repairOnly = repair && !this.dirty;
    this.dirty = false;
    if (this.source) {
      // Every pass reads the source: it is cheap to call once, and a change that came in while
      // the previous pass ran is seen here.
      this.hold(this.source());
    }
    const before = this.known;
    let known: AppliedTable;
    let readMs = 0;
    try {
      if (repair || this.stale || !before) {
        known = await this.readAll();
        readMs = this.lastReadMs;
      } else {
        known = before;
        if (this.hookManaged.size) await this.refreshHookManaged(known);
      }
    } catch (e) {
      this.stale = true;
      this.o.logger.error({ err: (e as Error).message }, `IPVS: cannot read the kernel table: ${(e as Error).message}`);
      return { ops: [], failed: [] };
    }
    // The pass's own cost (build, diff, apply) without the read: what the adaptive gap is about.
    const spent = () => this.o.clock.now() - tStart - readMs;
    this.known = known;
    if (known !== before) {
      this.stale = false;
      // Seen on a repair or a resync after a failure: say so when the kernel was changed behind our back.
      if (before) this.reportDrift(before, known);
    }
    const actual = known.table();
    const present = new Set(actual.services.map((s) => serviceId(s.service)));
    const owned = (k: ServiceKey) => {
      const id = serviceId(k);
      if (!this.owned.has(id)) return false;
      // The periodic repair never touches hook-managed services.
      return !(repairOnly && this.hookManaged.has(id));
    };
    const ops = reconcile(this.wanted, actual, owned).filter((op) => {
      const id = serviceId(op.service);
      if (!this.hookManaged.has(id) || present.has(id) || !this.created.has(id)) return true;
      // A hook removed this service on purpose: do not bring it (or its destinations) back.
      return op.kind === 'del-service';
    });
    this.counters.syncs++;
    if (ops.length === 0) {
      this.lastPassMs = spent();
      this.failedLast = false;
      return { ops, failed: [] };
    }
    const results = await this.o.ipvs.apply(ops);
    const failed = results.filter((r) => r.error);
    for (const r of results) {
      if (r.error) continue;
      known.record(r.op);
      if (r.op.kind === 'new-service') this.created.add(serviceId(r.op.service));
    }
    this.counters.ops += ops.length;
    this.counters.failedOps += failed.length;
    for (const f of failed) this.o.logger.error({ code: f.error!.code }, `IPVS: ${f.op.kind} ${describeOp(f.op)} failed: ${f.error!.message}`);
    if (failed.length) {
      // The kernel's table is not what we thought (a service removed behind our back, a missing
      // scheduler module...): re-read it. One resync pass runs at once; if that one fails too the
      // error is persistent, and the next change or repair pass tries again (no retry loop).
      this.stale = true;
      this.counters.resyncs++;
      if (!this.failedLast) this.again = true;
      this.failedLast = true;
    } else {
      this.failedLast = false;
    }
    // Services that left the wanted table and are gone from the kernel are no longer ours.
    const wantedIds = new Set(this.wanted.services.map((s) => serviceId(s.service)));
    for (const id of [...this.owned]) if (!wantedIds.has(id) && !present.has(id)) this.owned.delete(id);
    for (const op of ops) if (op.kind === 'del-service' && !wantedIds.has(serviceId(op.service))) this.owned.delete(serviceId(op.service));
    this.lastPassMs = spent();
    return { ops, failed };
  }

  /** Logs (and counts) a difference between the kernel and the table as we last applied it. */
  private reportDrift(before: AppliedTable, now: AppliedTable): void {
    const mine = (t: IpvsTable): IpvsTable => ({ services: t.services.filter((s) => this.repairable(serviceId(s.service))) });
    const drift = reconcile(mine(before.table()), mine(now.table()), (k) => this.repairable(serviceId(k)));
    if (drift.length === 0) return;
    this.counters.repairs++;
    this.o.logger.warn({ ops: drift.length }, `IPVS table differs from the one applied (changed behind our back?): putting back ${drift.length} difference(s)`);
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
    this.hookManaged = new Map();
    const r = await this.pass();
    // A failure means the table was not what we thought: once more, from a fresh read.
    if (r.failed.length) await this.pass();
  }
}
