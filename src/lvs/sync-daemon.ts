// `lvs_sync_daemon` (global_defs): the kernel's IPVS connection synchronisation between directors,
// switched with the VRRP state of one instance, as keepalived does it (ipvswrapper.c
// ipvs_syncd_master / ipvs_syncd_backup): the backup sync daemon runs while the instance is not
// MASTER, and on becoming MASTER the backup daemon stops and the master daemon starts; on leaving
// MASTER, the reverse. A backup director then holds the master's connection entries, so an
// established connection survives the failover. Both daemons are stopped on shutdown.
//
// Syntax: lvs_sync_daemon INTERFACE [VRRP_INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group IP]
// (without an instance, the first VRRP instance on INTERFACE drives it).
import type { Logger } from '../obs/log.ts';
import type { KeptKeyword, Model, VrrpInstance } from '../config/model.ts';
import type { DaemonConfig } from '../ipvs/types.ts';
import type { VipPort } from '../vrrp/instance.ts';
import type { VipResult } from '../vips/manager.ts';
import { IpvsClient } from '../ipvs/client.ts';

export interface SyncDaemonSpec {
  instance?: string;
  config: Omit<DaemonConfig, 'state'>;
}

/** The global lvs_sync_daemon line, or an error saying what is wrong with it. */
export function parseLvsSyncDaemon(kept: KeptKeyword[]): { spec?: SyncDaemonSpec; error?: string } {
  const k = kept.filter((x) => x.keyword === 'lvs_sync_daemon').at(-1);
  if (!k) return {};
  const [ifname, ...rest] = k.args;
  const config: Omit<DaemonConfig, 'state'> = { mcastIfn: ifname, syncId: 0 };
  let instance: string | undefined;
  const num = (v: string | undefined, name: string, max: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 0 || n > max) throw new Error(`lvs_sync_daemon: bad ${name} '${v ?? ''}'`);
    return n;
  };
  try {
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i];
      if (w === 'id') config.syncId = num(rest[++i], 'id', 255);
      else if (w === 'maxlen') config.syncMaxLen = num(rest[++i], 'maxlen', 65_507);
      else if (w === 'port') config.mcastPort = num(rest[++i], 'port', 65_535);
      else if (w === 'ttl') config.mcastTtl = num(rest[++i], 'ttl', 255);
      else if (w === 'group') {
        config.mcastGroup = rest[++i];
        if (!config.mcastGroup) throw new Error('lvs_sync_daemon: group needs an address');
      } else if (i === 0) instance = w;
      else throw new Error(`lvs_sync_daemon: unknown option '${w}'`);
    }
  } catch (e) {
    return { error: `${k.file}:${k.line}: ${(e as Error).message}` };
  }
  return { spec: { instance, config } };
}

export class LvsSyncDaemon {
  private readonly log: Logger;
  private readonly spec: SyncDaemonSpec;
  private readonly instanceName: string | undefined;
  private ipvs: IpvsClient | null = null;
  private chain: Promise<void> = Promise.resolve();

  private constructor(spec: SyncDaemonSpec, instanceName: string | undefined, log: Logger) {
    this.spec = spec;
    this.instanceName = instanceName;
    this.log = log;
  }

  /** The controller for a model with lvs_sync_daemon, or null (errors are logged). */
  static fromModel(model: Model, log: Logger): LvsSyncDaemon | null {
    const { spec, error } = parseLvsSyncDaemon(model.globalDefs.kept ?? []);
    if (error) log.error(error);
    if (!spec) return null;
    const inst: VrrpInstance | undefined = spec.instance ? model.vrrpInstances.find((i) => i.name === spec.instance) : model.vrrpInstances.find((i) => i.interface === spec.config.mcastIfn);
    if (!inst) {
      log.error(`lvs_sync_daemon: no VRRP instance ${spec.instance ?? `on ${spec.config.mcastIfn}`}; the sync daemon follows no state`);
    }
    return new LvsSyncDaemon(spec, inst?.name, log);
  }

  /** Opens IPVS and starts the backup sync daemon (every instance starts as BACKUP). */
  async start(): Promise<void> {
    try {
      this.ipvs = await IpvsClient.open();
    } catch (e) {
      this.log.error(`lvs_sync_daemon: cannot use the kernel's IPVS (${(e as Error).message})`);
      return;
    }
    // A crashed run may have left either daemon running.
    await this.switchTo('backup');
  }

  private run(state: 'master' | 'backup', start: boolean): Promise<void> {
    const ipvs = this.ipvs;
    if (!ipvs) return Promise.resolve();
    const what = `${start ? 'start' : 'stop'} ${state} sync daemon on ${this.spec.config.mcastIfn} (id ${this.spec.config.syncId})`;
    return (start ? ipvs.startDaemon({ ...this.spec.config, state }) : ipvs.stopDaemon(state)).then(
      () => this.log.info(`IPVS: ${what}`),
      (e: unknown) => {
        const code = (e as { code?: string }).code;
        // Stopping a daemon that does not run, or starting one that does, is not an error here.
        if ((!start && code === 'ESRCH') || (start && code === 'EEXIST')) return;
        this.log.error(`IPVS: cannot ${what}: ${(e as Error).message}`);
      },
    );
  }

  /** Serialised: stop the other daemon, then start this one. */
  switchTo(state: 'master' | 'backup'): Promise<void> {
    const other = state === 'master' ? 'backup' : 'master';
    this.chain = this.chain.then(() => this.run(other, false)).then(() => this.run(state, true));
    return this.chain;
  }

  /** The VIP port of the driving instance: MASTER (VIPs added) switches to the master daemon. */
  wrap(inst: VrrpInstance, base: VipPort): VipPort {
    if (inst.name !== this.instanceName) return base;
    return {
      add: async (vips): Promise<VipResult[]> => {
        const r = await base.add(vips);
        await this.switchTo('master');
        return r;
      },
      remove: async (vips): Promise<VipResult[]> => {
        const r = await base.remove(vips);
        await this.switchTo('backup');
        return r;
      },
    };
  }

  /** Shutdown: both daemons stopped. */
  async close(): Promise<void> {
    this.chain = this.chain.then(() => this.run('master', false)).then(() => this.run('backup', false));
    await this.chain;
    this.ipvs?.close();
    this.ipvs = null;
  }
}
