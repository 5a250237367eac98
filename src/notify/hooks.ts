// Which notify commands a VRRP transition runs, and with which arguments (keepalived
// vrrp_notify.c send_instance_notifies / notify_instance_exec):
//  1. the state-specific script (notify_master | notify_backup | notify_fault | notify_stop |
//     notify_deleted) with ONLY the arguments written in the config;
//  2. the generic `notify` script with four arguments appended:
//     INSTANCE|GROUP, name, MASTER|BACKUP|FAULT|STOP|DELETED, priority (effective priority; 0 for
//     groups).
// Commands stay argv arrays from here on: names that contain shell metacharacters reach the
// script as plain arguments and no shell ever sees them.

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';

/** A configured notify command: its words as keepalived split them, and an optional user. */
export interface NotifyCommand {
  argv: string[];
  user?: string;
  group?: string;
}

export interface NotifyConfig {
  master?: NotifyCommand;
  backup?: NotifyCommand;
  fault?: NotifyCommand;
  stop?: NotifyCommand;
  deleted?: NotifyCommand;
  generic?: NotifyCommand;
}

export interface NotifySubject {
  kind: 'INSTANCE' | 'GROUP';
  name: string;
  state: NotifyState;
  /** Effective priority for instances; keepalived always passes 0 for groups. */
  priority: number;
}

export interface NotifyRun {
  argv: string[];
  user?: string;
  group?: string;
  /** Which keyword this run came from, for logs. */
  source: string;
}

const stateKey: Record<NotifyState, keyof NotifyConfig> = {
  MASTER: 'master',
  BACKUP: 'backup',
  FAULT: 'fault',
  STOP: 'stop',
  DELETED: 'deleted',
};

/** The commands one transition runs, in keepalived's order. Pure. */
export function notifyRuns(cfg: NotifyConfig, s: NotifySubject): NotifyRun[] {
  const runs: NotifyRun[] = [];
  const specific = cfg[stateKey[s.state]];
  if (specific && specific.argv.length > 0) {
    runs.push({ argv: [...specific.argv], user: specific.user, group: specific.group, source: `notify_${s.state.toLowerCase()}` });
  }
  if (cfg.generic && cfg.generic.argv.length > 0) {
    const prio = s.kind === 'GROUP' ? 0 : s.priority;
    runs.push({
      argv: [...cfg.generic.argv, s.kind, s.name, s.state, String(prio)],
      user: cfg.generic.user,
      group: cfg.generic.group,
      source: 'notify',
    });
  }
  return runs;
}

/** The FIFO line keepalived writes for a VRRP event: `INSTANCE "VI_1" MASTER 100\n`. */
export function vrrpFifoLine(s: NotifySubject | { kind: 'INSTANCE' | 'GROUP'; name: string; state: string; priority: number }): string {
  const prio = s.kind === 'GROUP' ? 0 : s.priority;
  return `${s.kind} "${s.name}" ${s.state} ${prio}\n`;
}

/**
 * LVS FIFO lines: `VS [192.168.201.15]:tcp:80 UP` and `RS [1.2.3.4]:tcp:80 [vip]:tcp:80 DOWN`.
 * keepalived writes each with its terminating NUL byte (it passes the buffer size including the
 * NUL, ipwrapper.c notify_fifo_vs/notify_fifo_rs); readers written for keepalived expect it.
 */
export function lvsFifoLine(kind: 'VS' | 'RS', parts: string[], state: 'UP' | 'DOWN'): string {
  return `${kind} ${parts.join(' ')} ${state}\n\0`;
}
