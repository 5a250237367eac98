// RealServerHealth: aggregates the checkers of one real server (keepalived/check/ipwrapper.c
// update_svr_checker_state / num_failed_checkers, check_misc.c misc_dynamic weights).
//  * A real server is alive only when ALL its checkers are up.
//  * Initial state: a checker starts up unless `alpha` (then down until its first success); the
//    server starts alive iff no checker starts down (keepalived adds it to IPVS at once).
//  * misc_dynamic / FILE_CHECK dynamic: a checker may set a weight; the server's effective weight
//    is its configured weight replaced by the last dynamic weight (keepalived: cur_weight =
//    status - 2 - iweight added onto the effective weight), reset when that checker goes down.
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

  /** Effective weight: configured, or the latest dynamic weight of an up checker. */
  get weight(): number {
    let w = this.configuredWeight;
    for (const [id, dw] of this.dynWeight) if (this.up.get(id)) w = dw;
    return w;
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

  /** misc_dynamic: a successful run asked for `weight` (exit - 2); undefined = back to configured. */
  setDynamicWeight(id: string, weight: number | undefined): RealServerEvent[] {
    if (!this.up.has(id)) throw new Error(`unknown checker ${id}`);
    const wasAlive = this.alive;
    const wasWeight = this.weight;
    if (weight === undefined) this.dynWeight.delete(id);
    else this.dynWeight.set(id, weight);
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
