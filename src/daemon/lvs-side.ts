// The health-check and LVS side of the daemon (keepalived's checker process): real-server
// checkers on their own scheduler, the LVS state they drive, and the manager that keeps the
// kernel's IPVS table equal to the wanted one. Without IPVS in the kernel (module not loaded, or a
// kernel without it) the checks still run and their results are logged and notified, and the
// error says why nothing is programmed.
import type { Logger } from '../obs/log.ts';
import type { Model } from '../config/model.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { Scheduler, CHECKER_WAKEUP_GRID_MS } from '../scheduler/index.ts';
import { LvsHealth } from '../lvs/health.ts';
import { LvsManager } from '../lvs/manager.ts';
import { IpvsClient } from '../ipvs/client.ts';
import { NotifyRunner, notifyCommand } from '../notify/runner.ts';
import { FifoWriter } from '../notify/fifo.ts';
import type { ServiceKey } from '../ipvs/types.ts';
import { modelServices } from '../lvs/wanted.ts';
import { serviceId } from '../ipvs/reconcile.ts';

export interface LvsSideOptions {
  model: Model;
  log: Logger;
  clock?: Clock;
  /** Network namespace to program (tests); default: the daemon's own. */
  netns?: string;
  /** Services to keep out of the table from the start (self-balancing instances not MASTER). */
  heldBack?: ServiceKey[];
}

/**
 * Services whose VIP belongs to a VRRP instance that runs the user's own notify scripts: those
 * hooks may add and clear the table themselves (the self-balancing article's to_master.sh /
 * to_backup.sh), so the manager treats them as keepalived does (see manager.ts).
 */
export function hookManagedServices(model: Model): ServiceKey[] {
  const hookVips = new Set<string>();
  for (const vi of model.vrrpInstances) {
    if (!(vi.notifyMaster || vi.notifyBackup || vi.notify)) continue;
    for (const v of [...vi.virtualIpaddress, ...vi.virtualIpaddressExcluded]) hookVips.add(v.address);
  }
  return modelServices(model, hookVips);
}

export class LvsSide {
  private readonly log: Logger;
  private readonly scheduler: Scheduler;
  private readonly runner: NotifyRunner;
  private health: LvsHealth;
  private readonly manager: LvsManager | null;
  private readonly ipvs: IpvsClient | null;
  private model: Model;
  private fifo: FifoWriter | null = null;
  /** Depends only on the model: computed per configuration, not on every health change. */
  private hookManaged: ServiceKey[];

  private constructor(o: LvsSideOptions, ipvs: IpvsClient | null) {
    this.log = o.log;
    this.model = o.model;
    this.hookManaged = hookManagedServices(o.model);
    this.ipvs = ipvs;
    const clock = o.clock ?? systemClock;
    const g = o.model.globalDefs;
    // Real-server checks share 5 ms wake-ups (less CPU per check); an injected clock keeps exact times.
    this.scheduler = new Scheduler({ clock, logger: o.log, coalesceMs: o.clock ? 0 : CHECKER_WAKEUP_GRID_MS });
    this.runner = new NotifyRunner({ log: o.log, scriptUser: g.scriptUser, enableScriptSecurity: g.enableScriptSecurity });
    const fifoPath = g.lvsNotifyFifo ?? g.notifyFifo;
    if (fifoPath) {
      this.fifo = new FifoWriter(fifoPath);
      const err = this.fifo.open();
      if (err) o.log.error(err);
    }
    this.manager = ipvs ? new LvsManager({ ipvs, logger: o.log, clock }) : null;
    this.health = this.makeHealth(o.model);
  }

  static async start(o: LvsSideOptions): Promise<LvsSide> {
    let ipvs: IpvsClient | null = null;
    try {
      ipvs = await IpvsClient.open({ netns: o.netns });
    } catch (e) {
      o.log.error(`IPVS: cannot use the kernel's IPVS (${(e as Error).message}); real servers are checked but the table is not programmed`);
    }
    const side = new LvsSide(o, ipvs);
    if (o.heldBack?.length) {
      side.heldBack = new Set(o.heldBack.map(serviceId));
      side.manager?.claim(o.heldBack);
    }
    if (ipvs && o.model.globalDefs.lvsFlush) {
      // global_defs lvs_flush: start from an empty table.
      try {
        await ipvs.flush();
        // The manager diffs against the table as last applied: it must not trust a read from before the flush.
        side.manager?.resync();
      } catch (e) {
        o.log.error(`IPVS: lvs_flush failed: ${(e as Error).message}`);
      }
    }
    side.health.start();
    side.push();
    side.manager?.start();
    return side;
  }

  private makeHealth(model: Model, previous?: LvsHealth): LvsHealth {
    const g = model.globalDefs;
    return new LvsHealth(
      model,
      {
        scheduler: this.scheduler,
        logger: this.log,
        runScript: (command, source) => {
          const cmd = notifyCommand(command);
          if (cmd) this.runner.exec(cmd.argv, cmd.user ?? g.scriptUser?.[0], cmd.group ?? g.scriptUser?.[1], source);
        },
        fifo: (line) => this.fifoWrite(line),
        onTableChanged: () => this.push(),
        globals: { scriptUser: g.scriptUser, enableScriptSecurity: g.enableScriptSecurity, smtpHeloName: g.smtpHeloName, trackFiles: model.trackFiles },
      },
      previous,
    );
  }

  /** LVS lines (`VS ... UP`, `RS ... DOWN`) go to lvs_notify_fifo, else notify_fifo. */
  private fifoWrite(line: string): void {
    this.fifo?.write(line);
  }

  /** Sends the current wanted table, less the services held back (self-balancing BACKUP), to the manager. */
  private push(): void {
    if (!this.manager) return;
    // Lazily: the manager builds the table once per pass, not once per health change (a burst
    // of 1,000 failing real servers is one build). The closure reads the current generation.
    this.manager.setWantedSource(() => {
      const { table, errors } = this.health.state.table();
      for (const e of errors) this.log.error(e);
      return this.heldBack.size ? { services: table.services.filter((s) => !this.heldBack.has(serviceId(s.service))) } : table;
    }, this.hookManaged);
  }

  private heldBack = new Set<string>();

  /**
   * Resolves once the current wanted table has been applied (bounded: never holds a start up).
   * The daemon awaits it before the VRRP side starts when notify hooks own services: the
   * self-balancing article's to_backup.sh runs at the first BACKUP transition and saves + clears
   * the table, so the table must exist by then (keepalived's checker and VRRP processes start
   * side by side and race; in the VM tier our LVS side, started after VRRP, lost that race on
   * every backup, which leaves the service installed there: test/vm/guest/selfbal-hooks.guest.ts).
   */
  async installed(timeoutMs = 3000): Promise<void> {
    if (!this.manager) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.manager.sync().catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** True when some service is hook-managed (its VRRP instance runs notify scripts). */
  hasHookManaged(): boolean {
    return this.hookManaged.length > 0;
  }

  /**
   * Services kept out of the kernel table (the self-balancing tier while not MASTER). They stay
   * ours: a crashed run's copies are removed. Returns once the table has been synced.
   */
  async holdBack(keys: ServiceKey[]): Promise<void> {
    this.heldBack = new Set(keys.map(serviceId));
    this.manager?.claim(keys);
    this.push();
    await this.manager?.sync();
  }

  /** SIGHUP: new checkers for the new config; real-server health and quorum carry over. */
  async reload(model: Model): Promise<void> {
    const old = this.health;
    this.model = model;
    this.hookManaged = hookManagedServices(model);
    this.health = this.makeHealth(model, old);
    await old.stop();
    this.health.start();
    this.push();
  }

  state() {
    return this.health.state;
  }

  /** The current checkers' generation (status, metrics, ctl drain). */
  currentHealth(): LvsHealth {
    return this.health;
  }

  /** ctl drain/undrain: a real server's weight through the LVS state, then the table. */
  setWeight(vsKey: string, rsKey: string, weight: number): boolean {
    const st = this.health.state;
    if (!st.realServerState(vsKey, rsKey)) return false;
    const fx = st.setWeight(vsKey, rsKey, weight);
    for (const l of fx.logs) this.log.info(l);
    if (fx.tableChanged) this.push();
    return true;
  }

  counters() {
    return this.manager?.counters;
  }

  /** Stops checkers; removes our services unless -I (dont-release-ipvs). omega runs its scripts. */
  async stop(release: boolean): Promise<void> {
    const fx = this.health.state.shutdownEffects();
    for (const s of fx.scripts) {
      const cmd = notifyCommand(s.command);
      if (cmd) this.runner.exec(cmd.argv, cmd.user, cmd.group, s.source);
    }
    await this.health.stop();
    await this.scheduler.stop();
    await this.manager?.stop(release);
    await this.runner.drain(1000);
    this.runner.close();
    this.fifo?.close();
    this.ipvs?.close();
  }
}
