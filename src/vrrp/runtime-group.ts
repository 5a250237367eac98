// Runs a vrrp_sync_group: every event of a member goes through stepGroup() (sync-group.ts, pure),
// which steps that member and then the directives it causes on the others (all MASTER together,
// all BACKUP together, a fault in one faults all). Here the resulting states are installed and
// the members' actions carried out, in the order they were produced.

import type { Logger } from '../obs/log.ts';
import type { VrrpEvent } from './fsm.ts';
import { stepGroup, type SyncGroupConfig } from './sync-group.ts';
import type { InstanceRunner } from './instance.ts';

export class GroupCoordinator {
  readonly config: SyncGroupConfig;
  readonly members = new Map<string, InstanceRunner>();
  #log: Logger;
  #notify: (group: string, state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP') => void;

  constructor(config: SyncGroupConfig, log: Logger, notify: (group: string, state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP') => void) {
    this.config = config;
    this.#log = log;
    this.#notify = notify;
  }

  add(r: InstanceRunner): void {
    this.members.set(r.name, r);
  }

  handle(name: string, ev: VrrpEvent): void {
    const states = Object.fromEntries([...this.members].map(([k, r]) => [k, r.state]));
    let res;
    try {
      res = stepGroup({ name: this.config.name, members: [...this.members.keys()] }, states, name, ev);
    } catch (e) {
      this.members.get(name)?.reset(e);
      return;
    }
    for (const [k, s] of Object.entries(res.states)) {
      const r = this.members.get(k);
      if (r) r.state = s;
    }
    for (const { instance, actions } of res.actions) {
      const r = this.members.get(instance);
      if (r) r.apply(r.state, actions);
    }
    for (const g of res.groupActions) {
      if (g.type === 'log') {
        if (g.level === 'detail') this.#log.debug({ group: this.config.name }, g.line);
        else this.#log.info({ group: this.config.name }, g.line);
      } else this.#notify(g.group, g.state);
    }
  }
}
