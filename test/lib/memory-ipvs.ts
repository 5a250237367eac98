// An in-memory IPVS table with the kernel's error semantics (EEXIST, ESRCH, ENOENT), for unit
// tests of the logic above the client. The real kernel is exercised in the VM tier.
import type { IpvsOp, IpvsTable, TableService } from '../../src/ipvs/types.ts';
import type { ApplyResult, IpvsPort } from '../../src/lvs/manager.ts';
import { serviceId, destId } from '../../src/ipvs/reconcile.ts';

export class MemoryIpvs implements IpvsPort {
  table: IpvsTable = { services: [] };
  applied: IpvsOp[] = [];

  async getTable(): Promise<IpvsTable> {
    return structuredClone(this.table);
  }

  private find(id: string): TableService | undefined {
    return this.table.services.find((s) => serviceId(s.service) === id);
  }

  async apply(ops: IpvsOp[]): Promise<ApplyResult[]> {
    return ops.map((op) => {
      this.applied.push(op);
      const err = (code: string): ApplyResult => ({ op, error: Object.assign(new Error(code), { code }) as never });
      const id = serviceId(op.service);
      const svc = this.find(id);
      switch (op.kind) {
        case 'new-service':
          if (svc) return err('EEXIST');
          this.table.services.push({ service: structuredClone(op.service), dests: [] });
          return { op };
        case 'set-service':
          if (!svc) return err('ESRCH');
          svc.service = structuredClone(op.service);
          return { op };
        case 'del-service':
          if (!svc) return err('ESRCH');
          this.table.services = this.table.services.filter((s) => s !== svc);
          return { op };
        default: {
          if (!svc) return err('ESRCH');
          const did = destId(op.dest, svc.service.af);
          const i = svc.dests.findIndex((d) => destId(d, svc.service.af) === did);
          if (op.kind === 'new-dest') {
            if (i >= 0) return err('EEXIST');
            svc.dests.push(structuredClone(op.dest));
          } else if (op.kind === 'set-dest') {
            if (i < 0) return err('ENOENT');
            svc.dests[i] = structuredClone(op.dest);
          } else {
            if (i < 0) return err('ENOENT');
            svc.dests.splice(i, 1);
          }
          return { op };
        }
      }
    });
  }
}
