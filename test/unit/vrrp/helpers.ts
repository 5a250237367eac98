// Shared helpers for the VRRP state machine tests.
import { ip, type IpBytes } from '../../../src/vrrp/addr.ts';
import { makeConfig, initialState, step, type InstanceConfigInput, type InstanceState, type StepResult, type TimerKind, type VrrpAction } from '../../../src/vrrp/fsm.ts';
import type { VrrpAdvert } from '../../../src/vrrp/packet.ts';

export const OURS = '10.0.0.5';
export const HIGHER_IP = '10.0.0.9';
export const LOWER_IP = '10.0.0.2';

export function mk(over: Partial<InstanceConfigInput> = {}): InstanceState {
  return initialState(makeConfig({ name: 'VI_1', vrid: 51, primaryAddr: ip(OURS), basePriority: 100, ...over }).config);
}

export function advert(priority: number, over: Partial<VrrpAdvert> = {}): VrrpAdvert {
  return {
    version: 2,
    type: 1,
    vrid: 51,
    priority,
    family: 4,
    addrs: [ip('10.0.0.100')],
    advertIntCs: 100,
    authType: 0,
    authData: new Uint8Array(8),
    checksum: 0,
    ...over,
  };
}

export function rx(s: InstanceState, now: number, priority: number, from: string, over: Partial<VrrpAdvert> = {}): StepResult {
  return step(s, { type: 'advert', now, advert: advert(priority, { version: s.config.version, family: s.config.family, ...over }), src: ip(from) });
}

/** Fires the pending timer of `kind` at its due time (or `now`). */
export function fire(s: InstanceState, kind: TimerKind, now?: number): StepResult {
  const slot = s.timers[kind];
  if (!slot) throw new Error(`no ${kind} timer pending`);
  return step(s, { type: 'timer', now: now ?? slot.atMs, kind, token: slot.token });
}

export function started(over: Partial<InstanceConfigInput> = {}, now = 0): InstanceState {
  return step(mk(over), { type: 'start', now }).state;
}

/** An instance that won the election: started, master-down timer fired. */
export function master(over: Partial<InstanceConfigInput> = {}): InstanceState {
  const s = started(over);
  if (s.state === 'MASTER') return s;
  const r = fire(s, 'master_down');
  if (r.state.state !== 'MASTER') throw new Error('did not become master');
  return r.state;
}

export function lines(actions: VrrpAction[], level?: 'info' | 'detail'): string[] {
  return actions.flatMap((a) => (a.type === 'log' && (level === undefined || a.level === level) ? [a.line] : []));
}

export function kinds(actions: VrrpAction[]): string[] {
  return actions.filter((a) => a.type !== 'log').map((a) => (a.type === 'set_timer' || a.type === 'cancel_timer' ? `${a.type}:${a.kind}` : a.type));
}

export function sent(actions: VrrpAction[]): number[] {
  return actions.flatMap((a) => (a.type === 'send_advert' ? [a.priority] : []));
}

export function timerAt(actions: VrrpAction[], kind: TimerKind): number | undefined {
  let at: number | undefined;
  for (const a of actions) if (a.type === 'set_timer' && a.kind === kind) at = a.atMs;
  return at;
}

export function addr(text: string): IpBytes {
  return ip(text);
}
