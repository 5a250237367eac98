// Wiring of real-server checkers into the LVS state (the health-check side of keepalived's
// checker process): for each real server of each virtual server, one CheckerMonitor per checker
// on the shared Scheduler, aggregated by RealServerHealth (up only when ALL checkers are up,
// misc_dynamic weights), whose up/down/weight events update LvsState. Every change that alters
// the wanted table calls `onTableChanged`; scripts (notify_up/notify_down, quorum_up/quorum_down)
// and FIFO lines go to ports supplied by the daemon.
import type { Logger } from 'pino';
import type { Model } from '../config/model.ts';
import { Scheduler, CheckerMonitor, RealServerHealth, checkerMonitorOptions, activatingLine, type ScriptGlobals } from '../scheduler/index.ts';
import { LvsState, type LvsEffects } from './state.ts';
import { realServerKey, virtualServerKey } from './wanted.ts';
import { fmtRs, fmtVs } from './format.ts';
import { probeDurations } from '../obs/histogram.ts';

export interface LvsHealthPorts {
  scheduler: Scheduler;
  logger: Logger;
  /** Run a configured script (a keepalived command string) for `source`. */
  runScript(command: string, source: string): void;
  fifo?(line: string): void;
  onTableChanged(): void;
  globals?: ScriptGlobals & { smtpHeloName?: string };
  /** HTTP probe engine: the lean socket probe (default) or undici. */
  httpEngine?: 'lite' | 'undici';
}

export class LvsHealth {
  readonly state: LvsState;
  private readonly model: Model;
  private readonly ports: LvsHealthPorts;
  private readonly jobIds: string[] = [];
  private readonly healths = new Map<string, RealServerHealth>();
  /** The last probe of each real server (`vsKey|rsKey`), for status and metrics. */
  readonly lastProbes = new Map<string, { checker: string; ok: boolean; reason: string; detail: string; atMs: number; latencyMs: number }>();

  constructor(model: Model, ports: LvsHealthPorts, previous?: LvsHealth) {
    this.model = model;
    this.ports = ports;
    this.state = new LvsState(model, previous?.state);
  }

  /** Effects of start-up (quorum lines) are logged; checkers are added to the scheduler. */
  start(): void {
    this.apply(this.state.startup);
    for (const vs of this.model.virtualServers) {
      const vsKey = virtualServerKey(vs);
      for (const rs of vs.realServers) {
        const rsKey = realServerKey(rs);
        const ids = rs.checkers.map((_c, i) => `${vsKey}|${rsKey}|${i}`);
        const health = new RealServerHealth({ weight: rs.weight, checkers: rs.checkers.map((c, i) => ({ id: ids[i], alpha: c.alpha || vs.alpha })) });
        this.healths.set(`${vsKey}|${rsKey}`, health);
        health.on((ev) => {
          if (ev.type === 'weight') this.apply(this.state.setWeight(vsKey, rsKey, ev.to));
          else this.apply(this.state.setAlive(vsKey, rsKey, ev.type === 'up'));
        });
        rs.checkers.forEach((c, i) => {
          const opts = checkerMonitorOptions(ids[i], c, {
            rs,
            vs: fmtVs(vs),
            vsVirtualhost: vs.virtualhost,
            protocol: vs.protocol.toLowerCase() as 'tcp' | 'udp' | 'sctp',
            globals: this.ports.globals,
            engine: this.ports.httpEngine,
          });
          if ('unsupported' in opts) {
            // An unusable checker must not silently keep a server in or out: keepalived would
            // refuse the config; we log it at its line and leave the server to its other checkers.
            this.ports.logger.error({ file: c.file, line: c.line }, `${c.file}:${c.line}: ${opts.unsupported}; checker ignored for ${fmtRs(rs, vs)}`);
            health.setChecker(ids[i], true);
            return;
          }
          const probe = opts.probe;
          const mon = new CheckerMonitor({
            ...opts,
            probe: async (signal) => {
              const t0 = Date.now();
              const p0 = performance.now();
              const r = await probe(signal);
              if (r.reason !== 'aborted') probeDurations.observe({ checker: `${opts.kind}_CHECK`, vsKey, rsKey, index: i }, (performance.now() - p0) / 1000);
              if (r.reason !== 'aborted') this.lastProbes.set(`${vsKey}|${rsKey}`, { checker: `${opts.kind}_CHECK`, ok: r.ok, reason: r.reason, detail: r.detail, atMs: Date.now(), latencyMs: Date.now() - t0 });
              return r;
            },
            logger: this.ports.logger,
            onChange: (up) => health.setChecker(ids[i], up),
            onWeight: (w) => health.setDynamicWeight(ids[i], w),
          });
          this.ports.logger.info(activatingLine(opts.service, fmtVs(vs)));
          this.ports.scheduler.add(mon.job());
          this.jobIds.push(ids[i]);
        });
      }
    }
  }

  /** Removes this generation's checkers from the scheduler (reload or stop). */
  async stop(): Promise<void> {
    await Promise.all(this.jobIds.splice(0).map((id) => this.ports.scheduler.remove(id)));
  }

  health(vsKey: string, rsKey: string): RealServerHealth | undefined {
    return this.healths.get(`${vsKey}|${rsKey}`);
  }

  private apply(fx: LvsEffects): void {
    for (const l of fx.logs) this.ports.logger.info(l);
    for (const s of fx.scripts) this.ports.runScript(s.command, s.source);
    for (const f of fx.fifo) this.ports.fifo?.(f);
    if (fx.tableChanged) this.ports.onTableChanged();
  }
}
