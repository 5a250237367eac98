// Takeover rehearsal: a dry run of the code a backup executes when it becomes master.
//
// A backup that has been quiet for hours takes over along code it has never run, or whose
// bytecode V8 has since flushed: the state machine's becomeMaster path, the advert encoder (a
// backup never sends), the GARP and netlink encoders. Compiling them lazily costs ~0.2 ms each on
// the daemon's interpreter-only tiers (--no-opt), measured as our takeover advert leaving ~0.4 ms
// after keepalived's at 10 ms adverts (bench/vrrp/failover.ts). Running the pure state machine
// through a takeover on a scratch copy -- no socket, no netlink, nothing kept -- at start and
// every REHEARSAL_INTERVAL_MS keeps that code compiled and young, for a few tens of microseconds.
import { initialState, step, type InstanceConfig, type VrrpAction } from './fsm.ts';

/** Often enough that V8's bytecode flushing (age counted in major GCs) never gets to it. */
export const REHEARSAL_INTERVAL_MS = 30_000;

/**
 * The actions a fresh copy of `config` performs when it becomes master at `now`: started as
 * BACKUP (or at once MASTER for an address owner), its master-down timer then fires. Pure; the
 * caller encodes the send_advert actions with its real encoder and throws the result away.
 */
export function rehearseTakeover(config: InstanceConfig, now: number): VrrpAction[] {
  // Alone (no sync group: the coordinator is not part of the hot path) and without a
  // preempt delay to wait for.
  let s = initialState({ ...config, syncGroup: undefined, preemptDelayMs: 0 });
  const started = step(s, { type: 'start', now });
  s = started.state;
  if (s.state === 'MASTER') return started.actions;
  const timer = started.actions.find((a) => a.type === 'set_timer' && a.kind === 'master_down');
  if (!timer || timer.type !== 'set_timer') return [];
  return step(s, { type: 'timer', now: timer.atMs, kind: 'master_down', token: timer.token }).actions;
}
