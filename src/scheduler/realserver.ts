// RealServerHealth: aggregates the checkers of one real server (keepalived/check/ipwrapper.c
// update_svr_checker_state / num_failed_checkers, check_misc.c misc_dynamic weights).
//  * A real server is alive only when ALL its checkers are up.
//  * Initial state: a checker starts up unless `alpha` (then down until its first success); the
//    server starts alive iff no checker starts down (keepalived adds it to IPVS at once).
//  * misc_dynamic / FILE_CHECK: a checker may move the weight. keepalived keeps a per-checker
//    cur_weight added onto the real server's effective weight (check_misc.c: cur_weight =
//    status - 2 - iweight, so one MISC_CHECK alone sets the weight to status - 2; check_file.c:
//    cur_weight = value x weight), dropped when that checker goes down; the IPVS weight is the
//    sum clamped at 0 (real_weight). We keep the same per-checker deltas.
// Pure apart from the listener: the wiring (LVS manager) subscribes to 'up' / 'down' / 'weight'.

export type RealServerEvent =
  | { type: 'up'; weight: number }
  | { type: 'down'; weight: number }
  | { type: 'weight'; from: number; to: number; alive: boolean };

export interface RealServerHealthOptions {
  /** Configured IPVS weight (`weight`, default 1). */
  weight: number;
  /** Checker ids and whether each starts down (alpha). */
  checkers: Array<{ id: string; alpha?: boolean }>;
}

export class RealServerHealth {
  readonly configuredWeight: number;
  private readonly up = new Map<string, boolean>();
  /** Per-checker cur_weight (delta onto the configured weight). */
  private readonly dynWeight = new Map<string, number>();
  private listeners: Array<(e: RealServerEvent) => void> = [];

  constructor(opts: RealServerHealthOptions) {
    this.configuredWeight = opts.weight;
    for (const c of opts.checkers) this.up.set(c.id, !c.alpha);
  }

  on(fn: (e: RealServerEvent) => void): () => void {
    this.listeners.push(fn);
    return () => void (this.listeners = this.listeners.filter((l) => l !== fn));
  }

  get alive(): boolean {
    for (const v of this.up.values()) if (!v) return false;
    return true;
  }

  get failedCheckers(): number {
    let n = 0;
    for (const v of this.up.values()) if (!v) n++;
    return n;
  }

  /** Effective weight: configured + the deltas of up checkers, at least 0 (keepalived real_weight). */
  get weight(): number {
    let w = this.configuredWeight;
    for (const [id, dw] of this.dynWeight) if (this.up.get(id)) w += dw;
    return w < 0 ? 0 : w > 2147483647 ? 2147483647 : w;
  }

  /** A checker's state changed (from realServerStep's 'up' / 'down'). Returns the emitted events. */
  setChecker(id: string, isUp: boolean): RealServerEvent[] {
    if (!this.up.has(id)) throw new Error(`unknown checker ${id}`);
    const wasAlive = this.alive;
    const wasWeight = this.weight;
    this.up.set(id, isUp);
    if (!isUp) this.dynWeight.delete(id);
    return this.emitChanges(wasAlive, wasWeight);
  }

  /**
   * misc_dynamic: a successful run asked for `weight` (exit - 2), i.e. a delta of weight -
   * configured; undefined = back to configured. FILE_CHECK passes configured + value x weight.
   */
  setDynamicWeight(id: string, weight: number | undefined): RealServerEvent[] {
    return this.setWeightDelta(id, weight === undefined ? undefined : weight - this.configuredWeight);
  }

  /** A checker's cur_weight (added to the configured weight while it is up); undefined = none. */
  setWeightDelta(id: string, delta: number | undefined): RealServerEvent[] {
    if (!this.up.has(id)) throw new Error(`unknown checker ${id}`);
    const wasAlive = this.alive;
    const wasWeight = this.weight;
    if (delta === undefined || delta === 0) this.dynWeight.delete(id);
    else this.dynWeight.set(id, delta);
    return this.emitChanges(wasAlive, wasWeight);
  }

  private emitChanges(wasAlive: boolean, wasWeight: number): RealServerEvent[] {
    const out: RealServerEvent[] = [];
    const alive = this.alive;
    const weight = this.weight;
    if (alive !== wasAlive) out.push({ type: alive ? 'up' : 'down', weight });
    else if (weight !== wasWeight) out.push({ type: 'weight', from: wasWeight, to: weight, alive });
    for (const e of out) for (const l of this.listeners) l(e);
    return out;
  }
}
