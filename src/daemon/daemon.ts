// The composition root: options -> logger -> configuration -> VRRP runtime, plus signals and the
// pid file. One process (keepalived runs a parent and children; we run everything in one event
// loop), always in the foreground (-n is implied).
//
// Signals (keepalived(8)): SIGTERM / SIGINT stop gracefully (every instance sends priority 0 and
// releases its VIPs; by default a master hands over make-before-break: it keeps its VIPs until
// the new master's first advert, bounded by master_down_interval — KATS_HANDOVER=0 restores
// keepalived's release-at-once); a second SIGTERM stops at once. SIGHUP reloads (reload.ts).
// SIGUSR1 / SIGUSR2 write keepalived.data / keepalived.stats to --dump-dir (dumps.ts).

import { createWriteStream } from 'node:fs';
import type { DaemonOptions } from './options.ts';
import { createLogger, type Logger } from '../obs/log.ts';
import { loadConfig } from '../config/load.ts';
import { formatDiagnostic } from '../config/ast.ts';
import type { Model, VrrpInstance } from '../config/model.ts';
import type { VipPort } from '../vrrp/instance.ts';
import { VrrpRuntime } from '../vrrp/runtime.ts';
import { writePidFile, removePidFile } from './pidfile.ts';
import { reloadRuntime } from './reload.ts';
import { formatData, formatStats, writeDump } from './dumps.ts';
// Type only: the health-check / LVS side (checks, undici, execa, the IPVS client) is loaded when a
// configuration has virtual servers, not by every VRRP-only daemon (RSS and start-up time).
import type { LvsSide } from './lvs-side.ts';
import { enableOptimizingTiers } from './jit-tiers.ts';
import { SelfBalancer } from './self-balance.ts';
// Type only: the IPVS sync daemon (and with it the IPVS generic-netlink client) is loaded when the
// configuration has lvs_sync_daemon (RSS of a VRRP-only daemon, bench/vrrp/scale.ts).
import type { LvsSyncDaemon } from '../lvs/sync-daemon.ts';

/** The part of the model the VRRP side runs: none of it with -C (checks only). */
function vrrpPart(model: Model, o: DaemonOptions): Model {
  return o.checkOnly ? { ...model, vrrpInstances: [], vrrpSyncGroups: [], vrrpScripts: [], trackFiles: [] } : model;
}

export interface DaemonHandle {
  /** Resolves with the exit code once the daemon has stopped. */
  done: Promise<number>;
  runtime: VrrpRuntime;
  log: Logger;
  /** As SIGTERM. */
  stop(handover?: boolean): Promise<void>;
  /** As SIGHUP. */
  reload(): Promise<boolean>;
}

export function makeLogger(o: DaemonOptions): Logger {
  const destination = o.logFile ? createWriteStream(o.logFile, { flags: 'a' }) : process.stdout;
  return createLogger({ format: o.logFormat, detail: o.logDetail, destination, ident: 'Keepalived_vrrp' });
}

/** Loads and checks the configuration; logs every diagnostic. Null when it cannot run. */
export function readModel(o: DaemonOptions, log: Logger): Model | null {
  const { model, diagnostics } = loadConfig(o.configFile, { configId: o.configId });
  for (const d of diagnostics) {
    const line = formatDiagnostic(d);
    if (d.severity === 'error') log.error(line);
    else log.warn(line);
  }
  return model;
}

export async function startDaemon(o: DaemonOptions, log: Logger = makeLogger(o)): Promise<DaemonHandle | number> {
  log.info(`Starting keepalived-ts VRRP (pid ${process.pid})`);
  for (const why of o.ignored) log.warn(`ignoring option ${why}`);
  const model = readModel(o, log);
  if (!model) {
    log.error(`Stopped - configuration ${o.configFile} has errors`);
    return 1;
  }
  if (o.pidFile) {
    const err = writePidFile(o.pidFile);
    if (err) {
      log.error(err);
      return 1;
    }
  }
  // lvs_self_balancing: the VIP on lo and the ARP sysctls before any instance starts.
  let sb: SelfBalancer | null = null;
  if (!o.checkOnly && SelfBalancer.wanted(model)) {
    sb = new SelfBalancer(model, log);
    await sb.prepare();
  }
  const selfBalancer = sb;
  // lvs_sync_daemon: the backup sync daemon now, switched with its VRRP instance's state.
  const wantsSyncd = !o.checkOnly && (model.globalDefs.kept ?? []).some((k) => k.keyword === 'lvs_sync_daemon');
  const syncd: LvsSyncDaemon | null = wantsSyncd ? (await import('../lvs/sync-daemon.ts')).LvsSyncDaemon.fromModel(model, log) : null;
  await syncd?.start();
  const wrapSb = selfBalancer ? (i: VrrpInstance, b: VipPort) => selfBalancer.wrap(i, b) : undefined;
  let runtime = new VrrpRuntime({ model: vrrpPart(model, o), log, dontReleaseVrrp: o.dontReleaseVrrp, wrapVips: syncd ? (i, b) => syncd.wrap(i, wrapSb ? wrapSb(i, b) : b) : wrapSb });
  // -C (checks only) or a config with virtual servers: the health-check / LVS side.
  let lvs: LvsSide | null = null;
  const startLvs = async (m: Model): Promise<void> => {
    if (o.vrrpOnly || m.virtualServers.length === 0) return;
    enableOptimizingTiers();
    const { LvsSide } = await import('./lvs-side.ts');
    lvs = await LvsSide.start({ model: m, log, heldBack: selfBalancer?.heldBack() });
    selfBalancer?.attach(lvs);
  };
  // A stop signal while starting (e.g. during vrrp_startup_delay) is honoured once started.
  let earlyStop = false;
  const early = (): void => {
    earlyStop = true;
  };
  process.on('SIGTERM', early);
  process.on('SIGINT', early);
  try {
    // The LVS side first, its table in place before VRRP starts: notify hooks that save and
    // clear the table at the first BACKUP (the self-balancing article's to_backup.sh) must find
    // it there. keepalived's checker wins that race (6 of 6 starts in the VM); started after
    // VRRP, ours lost it every time and installed the service on the backups after the hook ran.
    await startLvs(model);
    const side = lvs as LvsSide | null;
    if (side?.hasHookManaged()) await side.installed();
    await runtime.start();
  } catch (e) {
    log.error({ err: e }, `cannot start VRRP: ${(e as Error).message}`);
    runtime.close();
    await (lvs as LvsSide | null)?.stop(false);
    if (o.pidFile) removePidFile(o.pidFile);
    return 1;
  } finally {
    process.off('SIGTERM', early);
    process.off('SIGINT', early);
  }
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  let stopping: Promise<void> | undefined;
  const handoverDefault = process.env.KATS_HANDOVER !== '0';

  const stop = (handover = handoverDefault): Promise<void> => {
    if (stopping) return stopping;
    log.info('Stopping');
    stopping = runtime
      .stop(handover)
      .then(() => (lvs as LvsSide | null)?.stop(!o.dontReleaseIpvs))
      .then(() => syncd?.close())
      .then(
      () => finish(0),
      (e: unknown) => {
        log.error({ err: e }, `error while stopping: ${(e as Error)?.message}`);
        finish(1);
      },
    );
    return stopping;
  };
  const finish = (code: number): void => {
    selfBalancer?.close();
    if (o.pidFile) removePidFile(o.pidFile);
    for (const [sig, fn] of handlers) process.off(sig, fn);
    process.off('uncaughtException', onBug);
    process.off('unhandledRejection', onBug);
    log.info('Stopped');
    resolveDone(code);
  };
  let reloading = false;
  const reload = async (): Promise<boolean> => {
    if (reloading || stopping) return false;
    reloading = true;
    try {
      log.info('Reloading');
      const next = readModel(o, log);
      if (!next) {
        log.error(`Reload failed: configuration ${o.configFile} has errors - keeping the running configuration`);
        return false;
      }
      selfBalancer?.reload(next);
      runtime = await reloadRuntime(runtime, vrrpPart(next, o), log, { dontReleaseVrrp: o.dontReleaseVrrp });
      handle.runtime = runtime;
      const side = lvs as LvsSide | null;
      if (side) await side.reload(next);
      else await startLvs(next);
      return true;
    } catch (e) {
      log.error({ err: e }, `Reload failed: ${(e as Error).message} - keeping the running configuration`);
      return false;
    } finally {
      reloading = false;
    }
  };

  let terms = 0;
  const onTerm = (): void => {
    terms++;
    if (terms === 1) void stop();
    else {
      // A second SIGTERM: no more waiting for a handover.
      log.info('Second stop signal - stopping at once');
      void runtime
        .stop(false, 2000)
        .then(() => (lvs as LvsSide | null)?.stop(!o.dontReleaseIpvs))
        .then(() => finish(0));
    }
  };
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGTERM', onTerm],
    ['SIGINT', onTerm],
    ['SIGHUP', () => void reload()],
    ['SIGUSR1', () => dump('keepalived.data', formatData(runtime.runners.values()))],
    ['SIGUSR2', () => dump('keepalived.stats', formatStats(runtime.runners.values()))],
  ];
  const dump = (name: 'keepalived.data' | 'keepalived.stats', text: string): void => {
    const r = writeDump(o.dumpDir, name, text);
    if (r.error) log.error(`cannot write ${r.path}: ${r.error}`);
    else log.info(`Printing VRRP ${name === 'keepalived.data' ? 'data' : 'stats'} for process(${process.pid}) on signal to ${r.path}`);
  };
  for (const [sig, fn] of handlers) process.on(sig, fn);
  // Only bugs throw. One that escapes an instance (those reset the instance) must not take the
  // VIPs' owner down with it: log it and keep serving.
  const onBug = (e: unknown): void => {
    log.error({ err: e }, `internal error (continuing): ${(e as Error)?.stack ?? String(e)}`);
  };
  process.on('uncaughtException', onBug);
  process.on('unhandledRejection', onBug);

  const handle: DaemonHandle = { done, runtime, log, stop, reload };
  if (earlyStop) void stop(false);
  // Control socket (status, ctl), --metrics, --state-file, systemd notify: src/daemon/ops.ts.
  else await (await import('./ops.ts')).startOps(o, handle, () => lvs as LvsSide | null);
  return handle;
}
