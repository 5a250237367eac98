// Quorum of a virtual server, exactly as keepalived's update_quorum_state (check/ipwrapper.c)
// computes it: weight_sum is the sum of the current weights of the alive real servers; a VS that
// is down gains quorum when weight_sum >= quorum + hysteresis; one that is up loses it when
// weight_sum == 0 or weight_sum < quorum - hysteresis. A quorum larger than the total weight is
// reduced to the total, and a hysteresis >= quorum to quorum - 1 (check_data.c, with warnings).
// Pure: numbers in, a decision and keepalived's log line out.

export interface QuorumSettings {
  quorum: number;
  hysteresis: number;
}

/** The settings keepalived actually runs with for a VS whose real servers weigh `totalWeight`. */
export function effectiveQuorum(q: QuorumSettings, totalWeight: number): QuorumSettings & { warnings: string[] } {
  const warnings: string[] = [];
  let quorum = q.quorum;
  let hysteresis = q.hysteresis;
  if (quorum > totalWeight && totalWeight > 0) {
    warnings.push(`quorum ${quorum} is larger than the total weight ${totalWeight} of the real servers; using ${totalWeight}`);
    quorum = totalWeight;
  }
  if (hysteresis >= quorum && quorum > 0) {
    warnings.push(`hysteresis ${hysteresis} >= quorum ${quorum}; using ${quorum - 1}`);
    hysteresis = quorum - 1;
  }
  return { quorum, hysteresis, warnings };
}

export interface QuorumDecision {
  up: boolean;
  changed: boolean;
  /** keepalived's line when the state changed, e.g. `Gained quorum 2+0=2 <= 2 for VS [vip]:tcp:80`. */
  log?: string;
}

export function updateQuorum(wasUp: boolean, weightSum: number, q: QuorumSettings, vsName: string): QuorumDecision {
  const { quorum, hysteresis } = q;
  if (!wasUp && weightSum >= quorum + hysteresis) {
    return { up: true, changed: true, log: `Gained quorum ${quorum}+${hysteresis}=${quorum + hysteresis} <= ${weightSum} for VS ${vsName}` };
  }
  if (wasUp && (weightSum === 0 || weightSum < quorum - hysteresis)) {
    return { up: false, changed: true, log: `Lost quorum ${quorum}-${hysteresis}=${quorum - hysteresis} > ${weightSum} for VS ${vsName}` };
  }
  return { up: wasUp, changed: false };
}

/** The state a VS starts with (set_quorum_states): up when the live weight reaches quorum + hysteresis. */
export function initialQuorum(weightSum: number, q: QuorumSettings): boolean {
  return weightSum >= q.quorum + q.hysteresis;
}
