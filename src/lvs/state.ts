// The LVS manager's state: real-server health and weights, quorum per virtual server, and what
// each change means in keepalived's terms (log lines, notify_up/notify_down, quorum_up/quorum_down
// scripts, FIFO lines). Pure: events in, effects out; the adapter (manager.ts) turns the resulting
// wanted table into IPVS operations through the reconciler.
import type { Model, VirtualServer, RealServer } from '../config/model.ts';
import type { IpvsTable } from '../ipvs/types.ts';
import { effectiveQuorum, initialQuorum, updateQuorum, type QuorumSettings } from './quorum.ts';
import { realServerKey, virtualServerKey, wantedTable, type VirtualServerRuntime } from './wanted.ts';
import { fmtRs, fmtVs } from './format.ts';
import { lvsFifoLine } from '../notify/hooks.ts';

export interface LvsEffects {
  logs: string[];
  /** Scripts to run (notify_up/notify_down of real servers, quorum_up/quorum_down of services). */
  scripts: { command: string; source: string }[];
  fifo: string[];
  /** True when the wanted table changed. */
  tableChanged: boolean;
}

interface VsState {
  vs: VirtualServer;
  key: string;
  quorum: QuorumSettings;
  runtime: VirtualServerRuntime;
}

/** `Adding service X to VS Y`, `Removing service X from VS Y`, `Enabling|Disabling service X of VS Y`. */
export function serviceLine(up: boolean, inhibit: boolean, rs: string, vs: string): string {
  if (inhibit) return `${up ? 'Enabling' : 'Disabling'} service ${rs} of VS ${vs}`;
  return up ? `Adding service ${rs} to VS ${vs}` : `Removing service ${rs} from VS ${vs}`;
}

const empty = (): LvsEffects => ({ logs: [], scripts: [], fifo: [], tableChanged: false });

function weighLive(s: VsState): number {
  let sum = 0;
  for (const rs of s.vs.realServers) {
    const r = s.runtime.realServers.get(realServerKey(rs));
    if (r?.alive) sum += r.weight;
  }
  return sum;
}

export class LvsState {
  private readonly model: Pick<Model, 'virtualServers' | 'virtualServerGroups'>;
  private readonly states = new Map<string, VsState>();
  /** Start-up lines (quorum warnings, "Starting with quorum ..."). */
  readonly startup: LvsEffects = empty();

  constructor(model: Pick<Model, 'virtualServers' | 'virtualServerGroups'>, previous?: LvsState) {
    this.model = model;
    for (const vs of model.virtualServers) {
      const key = virtualServerKey(vs);
      const old = previous?.states.get(key);
      const realServers = new Map<string, { alive: boolean; weight: number }>();
      for (const rs of vs.realServers) {
        const k = realServerKey(rs);
        const prev = old?.runtime.realServers.get(k);
        // Health survives a reload; a new real server starts alive unless alpha says otherwise
        // (keepalived: "Without alpha every RS is added immediately as alive").
        const prevConfigured = old?.vs.realServers.find((r) => realServerKey(r) === k)?.weight;
        if (prev) {
          // A dynamic weight survives a reload unless the configured weight itself changed.
          realServers.set(k, { alive: prev.alive, weight: prevConfigured === rs.weight ? prev.weight : rs.weight });
        } else {
          realServers.set(k, { alive: !(vs.alpha || rs.checkers.some((c) => c.alpha)), weight: rs.weight });
        }
      }
      const total = vs.realServers.reduce((s, r) => s + r.weight, 0);
      const eq = effectiveQuorum({ quorum: vs.quorum, hysteresis: vs.hysteresis }, total);
      for (const w of eq.warnings) this.startup.logs.push(`${fmtVs(vs)}: ${w}`);
      const st: VsState = { vs, key, quorum: { quorum: eq.quorum, hysteresis: eq.hysteresis }, runtime: { quorumUp: true, realServers } };
      st.runtime.quorumUp = old ? old.runtime.quorumUp : initialQuorum(weighLive(st), st.quorum);
      if (!old) this.startup.logs.push(`Starting with quorum ${st.runtime.quorumUp ? 'up' : 'down'} for VS ${fmtVs(vs)}`);
      this.states.set(key, st);
    }
  }

  table(): { table: IpvsTable; errors: string[] } {
    const rt = new Map<string, VirtualServerRuntime>();
    for (const [k, s] of this.states) rt.set(k, s.runtime);
    return wantedTable(this.model.virtualServers, this.model.virtualServerGroups, rt);
  }

  realServerState(vsKey: string, rsKey: string): { alive: boolean; weight: number } | undefined {
    return this.states.get(vsKey)?.runtime.realServers.get(rsKey);
  }

  quorumUp(vsKey: string): boolean | undefined {
    return this.states.get(vsKey)?.runtime.quorumUp;
  }

  /** A real server's aggregated checker result changed (up only when all its checkers are up). */
  setAlive(vsKey: string, rsKey: string, alive: boolean): LvsEffects {
    const fx = empty();
    const s = this.states.get(vsKey);
    const r = s?.runtime.realServers.get(rsKey);
    const rs = s?.vs.realServers.find((x) => realServerKey(x) === rsKey);
    if (!s || !r || !rs || r.alive === alive) return fx;
    r.alive = alive;
    fx.tableChanged = true;
    const sorryActive = !s.runtime.quorumUp && s.vs.sorryServer !== undefined;
    if (!sorryActive) fx.logs.push(serviceLine(alive, rs.inhibitOnFailure, fmtRs(rs, s.vs), fmtVs(s.vs)));
    const script = alive ? rs.notifyUp : rs.notifyDown;
    if (script) fx.scripts.push({ command: script, source: alive ? 'notify_up' : 'notify_down' });
    fx.fifo.push(lvsFifoLine('RS', [fmtRs(rs, s.vs), fmtVs(s.vs)], alive ? 'UP' : 'DOWN'));
    this.requorum(s, fx);
    return fx;
  }

  /** misc_dynamic / FILE_CHECK dynamic changed a real server's weight. */
  setWeight(vsKey: string, rsKey: string, weight: number): LvsEffects {
    const fx = empty();
    const s = this.states.get(vsKey);
    const r = s?.runtime.realServers.get(rsKey);
    const rs = s?.vs.realServers.find((x) => realServerKey(x) === rsKey);
    if (!s || !r || !rs || r.weight === weight) return fx;
    fx.logs.push(`Changing weight from ${r.weight} to ${weight} for ${r.alive ? 'active' : 'inactive'} service ${fmtRs(rs, s.vs)} of VS ${fmtVs(s.vs)}`);
    r.weight = weight;
    fx.tableChanged = r.alive;
    this.requorum(s, fx);
    return fx;
  }

  private requorum(s: VsState, fx: LvsEffects): void {
    const d = updateQuorum(s.runtime.quorumUp, weighLive(s), s.quorum, fmtVs(s.vs));
    if (!d.changed) return;
    s.runtime.quorumUp = d.up;
    fx.tableChanged = true;
    fx.logs.push(d.log!);
    const sorry = s.vs.sorryServer;
    if (sorry) {
      const sorryName = fmtRs(sorry, s.vs);
      if (d.up) {
        fx.logs.push(`${s.vs.sorryServerInhibit ? 'Disabling' : 'Removing'} sorry server ${sorryName} from VS ${fmtVs(s.vs)}`);
        fx.logs.push(`Adding alive servers to the pool for VS ${fmtVs(s.vs)}`);
      } else {
        fx.logs.push(`Removing alive servers from the pool for VS ${fmtVs(s.vs)}`);
        fx.logs.push(`${s.vs.sorryServerInhibit ? 'Enabling' : 'Adding'} sorry server ${sorryName} to VS ${fmtVs(s.vs)}`);
      }
    }
    const script = d.up ? s.vs.quorumUp : s.vs.quorumDown;
    if (script) fx.scripts.push({ command: script, source: d.up ? 'quorum_up' : 'quorum_down' });
    fx.fifo.push(lvsFifoLine('VS', [fmtVs(s.vs)], d.up ? 'UP' : 'DOWN'));
  }

  /** omega: on shutdown keepalived also runs notify_down / quorum_down. */
  shutdownEffects(): LvsEffects {
    const fx = empty();
    for (const s of this.states.values()) {
      if (!s.vs.omega) continue;
      for (const rs of s.vs.realServers) {
        const r = s.runtime.realServers.get(realServerKey(rs));
        if (r?.alive && rs.notifyDown) fx.scripts.push({ command: rs.notifyDown, source: 'notify_down' });
      }
      if (s.runtime.quorumUp && s.vs.quorumDown) fx.scripts.push({ command: s.vs.quorumDown, source: 'quorum_down' });
    }
    return fx;
  }

  static realServerKey(rs: Pick<RealServer, 'address' | 'port'>): string {
    return realServerKey(rs);
  }
}
