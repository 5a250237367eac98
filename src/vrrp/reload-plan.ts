// What a SIGHUP reload does to each VRRP instance, decided purely from the old and new
// configurations (the runtime carries it out; the simulator calls the same function).
//   - unchanged -> kept: state, timers and VIPs untouched (keepalived restores a reloaded
//     instance's state the same way);
//   - changed only in `priority`, never to or from 255 (the address owner has other rules) ->
//     kept, and the new base priority is applied in place (fsm.ts 'base_priority');
//   - anything else, or new -> (re)started as at daemon start;
//   - a sync group moves as one: if one member restarts, all of its members restart.

export interface ReloadItem<T> {
  name: string;
  /** The running instance's configuration; undefined when it is new or cannot be kept (globals or its sync group changed). */
  prev: T | undefined;
  next: T;
}

export interface ReloadRules<T> {
  priorityOf(c: T): number;
  /** `c` with its priority replaced: two configurations equal after this differ only in priority. */
  withPriority(c: T, priority: number): T;
  same(a: T, b: T): boolean;
}

export interface ReloadDecision {
  kept: Set<string>;
  /** Kept, with this new base priority. */
  reprioritised: Map<string, number>;
}

export function planReload<T>(items: readonly ReloadItem<T>[], groups: readonly (readonly string[])[], rules: ReloadRules<T>): ReloadDecision {
  const kept = new Set<string>();
  const reprioritised = new Map<string, number>();
  for (const { name, prev, next } of items) {
    if (prev === undefined) continue;
    if (rules.same(prev, next)) kept.add(name);
    else {
      const p0 = rules.priorityOf(prev);
      const p1 = rules.priorityOf(next);
      if (p0 !== 255 && p1 !== 255 && rules.same(rules.withPriority(prev, 0), rules.withPriority(next, 0))) {
        kept.add(name);
        reprioritised.set(name, p1);
      }
    }
  }
  for (const g of groups) {
    if (g.some((m) => !kept.has(m))) {
      for (const m of g) {
        kept.delete(m);
        reprioritised.delete(m);
      }
    }
  }
  return { kept, reprioritised };
}
