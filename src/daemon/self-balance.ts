// The self-balancing DR tier at run time (`lvs_self_balancing` on a vrrp_instance; the ordered
// plans and their rationale are in src/lvs/self-balance.ts). Three jobs:
//  - before VRRP starts: check (or, with lvs_self_balancing_set_sysctl, set) the ARP sysctls a node
//    holding the VIP on lo needs, and repair what a crashed run left: the VIP goes on lo (scope
//    host); the VRRP runtime already removes our VIP from the interface; the instance's IPVS
//    services are held back (and removed if a crashed run left them);
//  - becoming MASTER (the VIP port's `add`): the VIP on the interface first, then the services,
//    built from the CURRENT health of the real servers, then the VIP off lo;
//  - leaving MASTER (`remove`): the VIP on lo first, then off the interface, then the services out.
// The VRRP instance sends its GARPs after `add` returns.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Logger } from '../obs/log.ts';
import type { Model, VrrpInstance } from '../config/model.ts';
import type { VipPort } from '../vrrp/instance.ts';
import { VipManager, type VipSpec, type VipResult } from '../vips/manager.ts';
import { Rtnetlink } from '../netlink/rtnetlink.ts';
import { RT_SCOPE_HOST } from '../netlink/route-addr.ts';
import { parseIp, formatIp } from '../vrrp/addr.ts';
import { arpSysctlProblems } from '../lvs/self-balance.ts';
import { modelServices } from '../lvs/wanted.ts';
import type { ServiceKey } from '../ipvs/types.ts';
import type { LvsSide } from './lvs-side.ts';

export class SelfBalancer {
  private readonly log: Logger;
  private model: Model;
  private rt: Rtnetlink | null = null;
  private vips: VipManager | null = null;
  private loIndex = 1;
  private lvs: LvsSide | null = null;
  /** Self-balancing instances currently holding the VIP on their interface. */
  private readonly active = new Set<string>();

  constructor(model: Model, log: Logger) {
    this.model = model;
    this.log = log;
  }

  static wanted(model: Model): boolean {
    return model.vrrpInstances.some((i) => i.lvsSelfBalancing);
  }

  private instances(): VrrpInstance[] {
    return this.model.vrrpInstances.filter((i) => i.lvsSelfBalancing);
  }

  /** The IPVS services whose address is one of the instance's VIPs. */
  servicesOf(inst: VrrpInstance): ServiceKey[] {
    return modelServices(this.model, new Set([...inst.virtualIpaddress, ...inst.virtualIpaddressExcluded].map((v) => v.address)));
  }

  /** Services to keep out of the kernel table now: those of instances that are not MASTER. */
  heldBack(): ServiceKey[] {
    return this.instances()
      .filter((i) => !this.active.has(i.name))
      .flatMap((i) => this.servicesOf(i));
  }

  /** Before VRRP starts: sysctls and the VIP on lo. */
  async prepare(): Promise<void> {
    this.rt = Rtnetlink.open();
    this.vips = new VipManager(this.rt);
    try {
      this.loIndex = (await this.rt.link('lo')).index;
    } catch {
      this.loIndex = 1;
    }
    for (const inst of this.instances()) {
      if (inst.interface) this.checkSysctls(inst);
      const r = await this.vips.add(this.loSpecs(inst));
      for (const x of r) if (x.error) this.log.error(`(${inst.name}) cannot put ${x.vip.text} on lo: ${x.error}`);
      this.log.info(`(${inst.name}) self-balancing: VIPs on lo (scope host) while not MASTER`);
    }
  }

  attach(lvs: LvsSide | null): void {
    this.lvs = lvs;
  }

  /** SIGHUP: the new model; the active set carries over by instance name. */
  reload(model: Model): void {
    this.model = model;
  }

  private checkSysctls(inst: VrrpInstance): void {
    const dev = inst.interface!;
    const read = (scope: string, name: string): number => {
      try {
        return Number(readFileSync(`/proc/sys/net/ipv4/conf/${scope}/${name}`, 'utf8').trim());
      } catch {
        return 0;
      }
    };
    const problems = arpSysctlProblems(dev, {
      allArpIgnore: read('all', 'arp_ignore'),
      devArpIgnore: read(dev, 'arp_ignore'),
      allArpAnnounce: read('all', 'arp_announce'),
      devArpAnnounce: read(dev, 'arp_announce'),
    });
    if (problems.length === 0) return;
    if (inst.lvsSelfBalancingSetSysctl) {
      for (const line of problems) {
        const [key, value] = line.split(' = ');
        const path = `/proc/sys/${key.replaceAll('.', '/')}`;
        try {
          writeFileSync(path, value);
          this.log.info(`(${inst.name}) self-balancing: set ${line}`);
        } catch (e) {
          this.log.error(`(${inst.name}) self-balancing: cannot set ${line}: ${(e as Error).message}`);
        }
      }
    } else {
      this.log.warn(`(${inst.name}) self-balancing needs these sysctls (or lvs_self_balancing_set_sysctl): ${problems.join('; ')}`);
    }
  }

  private loSpecs(inst: VrrpInstance): VipSpec[] {
    const out: VipSpec[] = [];
    for (const v of inst.virtualIpaddress) {
      const address = parseIp(v.address);
      if (!address) continue;
      const prefix = v.family === 6 ? 128 : 32;
      out.push({ family: v.family, address, prefix, ifindex: this.loIndex, ifname: 'lo', scope: RT_SCOPE_HOST, text: `${formatIp(address)}/${prefix} dev lo scope host` });
    }
    return out;
  }

  private async hold(): Promise<void> {
    try {
      await this.lvs?.holdBack(this.heldBack());
    } catch (e) {
      this.log.error(`self-balancing: IPVS sync failed: ${(e as Error).message}`);
    }
  }

  /** The VIP port of a self-balancing instance, ordering lo, interface and IPVS as planned. */
  wrap(inst: VrrpInstance, base: VipPort): VipPort {
    if (!inst.lvsSelfBalancing) return base;
    const lo = (): VipSpec[] => this.loSpecs(inst);
    return {
      add: async (vips): Promise<VipResult[]> => {
        const r = await base.add(vips);
        this.active.add(inst.name);
        await this.hold();
        await this.vips?.remove(lo());
        return r;
      },
      remove: async (vips): Promise<VipResult[]> => {
        await this.vips?.add(lo());
        const r = await base.remove(vips);
        this.active.delete(inst.name);
        await this.hold();
        return r;
      },
    };
  }

  close(): void {
    this.rt?.close();
  }
}
