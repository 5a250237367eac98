// Effective priority from the base priority and the states of the trackers (keepalived
// vrrp_track.c: the weighted-tracker table, vrrp_set_effective_priority, down_instance).

/** One tracked object (track_script, track_interface, track_file, track_process, track_bfd). */
export interface TrackerState {
  name: string;
  /** -254..254; 0 = unweighted: KO faults the instance. */
  weight: number;
  /** `reverse`: flips the direction (m = -1). For weight 0, the instance faults while the tracker is OK. */
  reverse: boolean;
  /** Tracker result: true = OK/up. */
  ok: boolean;
}

export interface PriorityResult {
  /** Clamped to [1, 254]; the base priority itself when it is 255 (address owner). */
  effectivePriority: number;
  /** Unclamped base + weights (keepalived total_priority). */
  totalPriority: number;
  /** Names of weight-0 trackers that currently fault the instance. */
  faults: string[];
}

/**
 * Weighted rule with m = reverse ? -1 : +1: weight > 0 adds weight*m while OK, weight < 0 adds
 * weight*m while KO. Weight 0: KO (or OK when reversed) => fault. Then
 * vrrp_set_effective_priority: total < 1 => 1, total >= 255 => 254. An owner (base 255) never
 * changes priority.
 */
export function effectivePriority(basePriority: number, trackers: readonly TrackerState[]): PriorityResult {
  let total = basePriority;
  const faults: string[] = [];
  for (const t of trackers) {
    const m = t.reverse ? -1 : 1;
    if (t.weight === 0) {
      // down_instance: an unweighted tracker that is KO (OK with reverse) faults the instance.
      if (t.ok === t.reverse) faults.push(t.name);
    } else if (t.weight > 0) {
      if (t.ok) total += t.weight * m;
    } else if (!t.ok) {
      total += t.weight * m;
    }
  }
  if (basePriority === 255) return { effectivePriority: 255, totalPriority: total, faults };
  const eff = total < 1 ? 1 : total >= 255 ? 254 : total;
  return { effectivePriority: eff, totalPriority: total, faults };
}
