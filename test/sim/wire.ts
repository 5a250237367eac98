// A small deterministic wire for scripted scenarios: nodes running step(), adverts delivered to
// every other node after a fixed delay (through the real codec), timers on a binary heap, and a
// record of who holds the VIPs over time (to measure dark time and overlap during failovers).
import { ip, type IpBytes } from '../../src/vrrp/addr.ts';
import { makeConfig, initialState, step, type InstanceConfigInput, type InstanceState, type VrrpAction, type VrrpEvent, type TimerKind } from '../../src/vrrp/fsm.ts';
import { encodeAdvert, receiveAdvert } from '../../src/vrrp/packet.ts';
import { EventHeap } from './heap.ts';

type WireEvent =
  | { t: 'timer'; node: number; kind: TimerKind; token: number }
  | { t: 'deliver'; node: number; payload: Uint8Array; src: IpBytes }
  | { t: 'claim'; node: number }
  | { t: 'call'; fn: () => void };

export class Wire {
  readonly nodes: InstanceState[] = [];
  readonly holding: boolean[] = [];
  readonly log: string[] = [];
  /** Every change of the VIP holder set: [timeMs, number of holders]. */
  readonly holderChanges: [number, number][] = [];
  now = 0;
  delayMs: number;
  /** Loss model: return true to drop the advert from `from` to `to`. */
  drop: (from: number, to: number, priority: number) => boolean = () => false;
  /** GARPs are delivered to every other node as 'vips_claimed' unless this says no. */
  deliverGarps = true;
  private readonly heap = new EventHeap<WireEvent>();
  private readonly vips = [ip('10.0.0.100')];
  private readonly dst = ip('224.0.0.18');

  constructor(delayMs = 0.5) {
    this.delayMs = delayMs;
  }

  add(over: Partial<InstanceConfigInput> & { primaryAddr: IpBytes }): number {
    const { config } = makeConfig({ name: 'VI_1', vrid: 51, ...over });
    this.nodes.push(initialState(config));
    this.holding.push(false);
    return this.nodes.length - 1;
  }

  at(ms: number, fn: () => void): void {
    this.heap.push(ms, { t: 'call', fn });
  }

  feed(node: number, ev: VrrpEvent): void {
    const r = step(this.nodes[node], ev);
    this.nodes[node] = r.state;
    this.apply(node, r.actions);
  }

  holders(): number {
    return this.holding.filter(Boolean).length;
  }

  run(untilMs: number): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const e = this.heap.peek();
      if (!e || e.atMs > untilMs) break;
      this.heap.pop();
      this.now = e.atMs;
      const ev = e.item;
      if (ev.t === 'call') ev.fn();
      else if (ev.t === 'claim') this.feed(ev.node, { type: 'vips_claimed', now: this.now });
      else if (ev.t === 'timer') {
        if (this.nodes[ev.node].timers[ev.kind]?.token === ev.token) this.feed(ev.node, { type: 'timer', now: this.now, kind: ev.kind, token: ev.token });
      } else {
        const s = this.nodes[ev.node];
        const r = receiveAdvert(ev.payload, { family: 4, src: ev.src, dst: this.dst, ttl: 255 }, { name: s.config.name, version: s.config.version, vrid: s.config.vrid, advertIntCs: s.config.advertIntCs, authType: 0, vips: this.vips });
        if (r.ok) this.feed(ev.node, { type: 'advert', now: this.now, advert: r.advert, src: ev.src });
      }
    }
    this.now = Math.max(this.now, untilMs);
  }

  /** Total time in [fromMs, toMs] during which `pred(holders)` was true. */
  timeWhere(pred: (holders: number) => boolean, fromMs: number, toMs: number): number {
    let total = 0;
    let cur = 0;
    let t = fromMs;
    for (const [at, h] of this.holderChanges) {
      if (at <= fromMs) {
        cur = h;
        continue;
      }
      if (at > toMs) break;
      if (pred(cur)) total += at - t;
      t = at;
      cur = h;
    }
    if (pred(cur)) total += toMs - t;
    return total;
  }

  private apply(node: number, actions: VrrpAction[]): void {
    for (const a of actions) {
      if (a.type === 'log') this.log.push(`${this.now.toFixed(3)} n${node} ${a.line}`);
      else if (a.type === 'set_timer') this.heap.push(a.atMs, { t: 'timer', node, kind: a.kind, token: a.token });
      else if (a.type === 'add_vips' || a.type === 'remove_vips') {
        this.holding[node] = a.type === 'add_vips';
        this.holderChanges.push([this.now, this.holders()]);
      } else if (a.type === 'garp') {
        if (!this.deliverGarps || a.repeat <= 0) continue;
        for (let d = 0; d < this.nodes.length; d++) if (d !== node) this.heap.push(this.now + this.delayMs, { t: 'claim', node: d });
      } else if (a.type === 'send_advert') {
        const s = this.nodes[node];
        const src = s.config.primaryAddr;
        const payload = encodeAdvert({ version: s.config.version, vrid: s.config.vrid, priority: a.priority, family: 4, addrs: this.vips, advertIntCs: a.advertIntCs, src, dst: this.dst });
        for (let d = 0; d < this.nodes.length; d++) if (d !== node && !this.drop(node, d, a.priority)) this.heap.push(this.now + this.delayMs, { t: 'deliver', node: d, payload, src });
      }
    }
  }
}
