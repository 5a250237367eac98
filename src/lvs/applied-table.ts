// The IPVS table as the LVS manager last knew it: the kernel's table as last read, then changed
// by every operation of ours the kernel accepted. Ordinary passes diff the wanted table against
// this instead of reading the kernel again: IPVS has no whole-table dump (one destination dump per
// service: 1,000 netlink dumps for 1,000 services), and keepalived itself never reads the table
// back at all. Pure: no I/O.
import type { DestConfig, IpvsOp, IpvsTable, ServiceConfig, TableService } from '../ipvs/types.ts';
import { destId, serviceId } from '../ipvs/reconcile.ts';

interface Row {
  service: ServiceConfig;
  /** Keyed by destId() within the service's family. */
  dests: Map<string, DestConfig>;
}

export class AppliedTable {
  private readonly rows = new Map<string, Row>();

  /** From a kernel read (counters and kernel-only fields are kept; reconcile ignores them). */
  static from(actual: IpvsTable): AppliedTable {
    const t = new AppliedTable();
    for (const s of actual.services) t.put(s);
    return t;
  }

  /** Sets one service's row (a fresh read of it). */
  put(row: TableService): void {
    const af = row.service.af;
    this.rows.set(serviceId(row.service), { service: row.service, dests: new Map(row.dests.map((d) => [destId(d, af), d])) });
  }

  drop(id: string): void {
    this.rows.delete(id);
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  /** Records an operation the kernel accepted, with the kernel's semantics (DEL_SERVICE takes its destinations). */
  record(op: IpvsOp): void {
    const id = serviceId(op.service);
    switch (op.kind) {
      case 'new-service':
        this.rows.set(id, { service: { ...op.service }, dests: new Map() });
        return;
      case 'set-service': {
        const row = this.rows.get(id);
        if (row) row.service = { ...op.service };
        return;
      }
      case 'del-service':
        this.rows.delete(id);
        return;
      default: {
        const row = this.rows.get(id);
        if (!row) return;
        const did = destId(op.dest, row.service.af);
        if (op.kind === 'del-dest') row.dests.delete(did);
        else row.dests.set(did, { ...(op.dest as DestConfig) });
      }
    }
  }

  /** The table in the form reconcile() takes. */
  table(): IpvsTable {
    const services: TableService[] = [];
    for (const r of this.rows.values()) services.push({ service: r.service, dests: [...r.dests.values()] });
    return { services };
  }
}
