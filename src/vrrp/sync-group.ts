// vrrp_sync_group coordination, pure (keepalived vrrp_sync.c: vrrp_sync_can_goto_master,
// vrrp_sync_master, vrrp_sync_backup, vrrp_sync_fault; the VRRP_TSM table in vrrp_scheduler.c).
//
// The members' own state machines (fsm.ts, with `config.syncGroup` set) never go MASTER on their
// own timer and never leave FAULT on their own: they report `want_master` / `fault_cleared` and
// their own transitions; stepGroup() turns those into `sync` directives for the other members:
//   - a member may go MASTER only if every member wants MASTER;
//   - one member entering MASTER forces all to MASTER; one leaving MASTER for BACKUP forces all;
//   - the first member to FAULT faults all; the group leaves FAULT when every member is clear;
//   - members that merely follow the group run no instance notifies; the group notifies once,
//     with priority 0 (`notify ... GROUP name STATE 0`).

import { step, isFaulted, type InstanceState, type VrrpAction, type VrrpEvent, type SyncDirective, type NotifyState } from './fsm.ts';

export interface SyncGroupConfig {
  name: string;
  /** Member instance names (InstanceConfig.name). */
  members: readonly string[];
}

export type GroupAction =
  | { type: 'log'; level: 'info' | 'detail'; line: string }
  | { type: 'group_notify'; group: string; state: NotifyState; priority: 0 };

export interface GroupStepResult {
  /** All members' states after the event and every directive it caused. */
  states: Record<string, InstanceState>;
  /** Per-member actions, in the order they were produced. */
  actions: { instance: string; actions: VrrpAction[] }[];
  groupActions: GroupAction[];
}

/** vrrp_sync_can_goto_master: every member wants MASTER and none is faulted. */
export function canGotoMaster(group: SyncGroupConfig, states: Readonly<Record<string, InstanceState>>): boolean {
  return group.members.every((m) => {
    const s = states[m];
    return s !== undefined && s.wantState === 'MASTER' && s.state !== 'FAULT' && s.state !== 'STOP';
  });
}

/** No member has a fault of its own (interface, weight-0 tracker). */
export function allClear(group: SyncGroupConfig, states: Readonly<Record<string, InstanceState>>): boolean {
  return group.members.every((m) => {
    const s = states[m];
    return s === undefined || !isFaulted(s);
  });
}

/**
 * Runs `event` on member `instance`, then the directives it causes on the other members, until
 * quiet (bounded). Non-members are not touched.
 */
export function stepGroup(
  group: SyncGroupConfig,
  states: Readonly<Record<string, InstanceState>>,
  instance: string,
  event: VrrpEvent,
): GroupStepResult {
  const out: Record<string, InstanceState> = { ...states };
  const actions: { instance: string; actions: VrrpAction[] }[] = [];
  const groupActions: GroupAction[] = [];
  const queue: { instance: string; event: VrrpEvent }[] = [{ instance, event }];
  const now = event.now;
  const limit = 4 + group.members.length * 8;
  const directAll = (d: SyncDirective, except: string | undefined): void => {
    for (const m of group.members) if (m !== except && out[m] !== undefined) queue.push({ instance: m, event: { type: 'sync', now, directive: d } });
  };
  const syncing = (state: NotifyState): void => {
    groupActions.push({ type: 'log', level: 'info', line: `VRRP_Group(${group.name}) Syncing instances to ${state} state` });
    groupActions.push({ type: 'group_notify', group: group.name, state, priority: 0 });
  };
  for (let i = 0; i < limit && queue.length > 0; i++) {
    const item = queue.shift()!;
    const cur = out[item.instance];
    if (cur === undefined) continue;
    const r = step(cur, item.event);
    out[item.instance] = r.state;
    actions.push({ instance: item.instance, actions: r.actions });
    for (const a of r.actions) {
      if (a.type === 'transition' && !a.followingGroup) {
        if (a.to === 'MASTER') {
          // vrrp_sync_master: one member MASTER => all MASTER.
          syncing('MASTER');
          directAll('MASTER', item.instance);
        } else if (a.from === 'MASTER' && a.to === 'BACKUP') {
          // vrrp_sync_backup.
          syncing('BACKUP');
          directAll('BACKUP', item.instance);
        } else if (a.to === 'FAULT') {
          // vrrp_sync_fault: the first member to fault faults all.
          syncing('FAULT');
          directAll('FAULT', item.instance);
        }
      } else if (a.type === 'want_master') {
        if (canGotoMaster(group, out)) {
          syncing('MASTER');
          directAll('MASTER', undefined);
        }
      } else if (a.type === 'fault_cleared') {
        if (allClear(group, out)) {
          syncing('BACKUP');
          directAll('CLEAR', undefined);
        }
      }
    }
  }
  return { states: out, actions, groupActions };
}
