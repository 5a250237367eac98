// Start-up cleanup (beyond keepalived): a SIGKILLed keepalived leaves its VIPs configured, so the
// dead host's kernel keeps answering ARP for them and two hosts own the address (keepalived
// issues #2361, #672). Before any instance starts we remove, among the VIPs this configuration
// manages, those still on their interface that either carry our IFA_PROTO marker (a previous
// run of ours added them) or belong to an instance that is not the address owner (priority
// < 255: such an instance starts in BACKUP, where it must not hold the VIP anyway). An owner's
// VIP without our marker is the interface's real address and is left alone.

import { ipEquals } from '../vrrp/addr.ts';
import { KATS_ADDR_PROTO, type VipManager, type VipSpec } from './manager.ts';

export interface CleanupCandidate {
  vip: VipSpec;
  /** The instance is an address owner (priority 255). */
  owner: boolean;
}

/** Which configured VIPs to remove, from the addresses present (pure). */
export function leftoverVips(candidates: readonly CleanupCandidate[], present: readonly { index: number; address: Uint8Array; prefixLen: number; proto: number }[]): VipSpec[] {
  const out: VipSpec[] = [];
  for (const c of candidates) {
    const here = present.find((a) => a.index === c.vip.ifindex && ipEquals(a.address, c.vip.address));
    if (!here) continue;
    if (here.proto === KATS_ADDR_PROTO || !c.owner) out.push({ ...c.vip, prefix: here.prefixLen });
  }
  return out;
}

/** Removes leftovers; returns the log lines to print (one per VIP removed or failed). */
export async function removeLeftoverVips(mgr: VipManager, candidates: readonly CleanupCandidate[]): Promise<string[]> {
  const present = await mgr.present();
  const gone = leftoverVips(candidates, present);
  const res = await mgr.remove(gone);
  return res.map((r) => (r.error ? `cannot remove leftover VIP ${r.vip.text}: ${r.error}` : `removed leftover VIP ${r.vip.text} (from a previous run)`));
}
