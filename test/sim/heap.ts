// A binary min-heap event queue for the simulator, ordered by (atMs, seq): O(log n) push/pop
// instead of the linear scans of src/lib/clock.ts's ManualClock.

export interface Scheduled<T> {
  atMs: number;
  seq: number;
  item: T;
}

export class EventHeap<T> {
  private readonly a: Scheduled<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.a.length;
  }

  push(atMs: number, item: T): void {
    const e: Scheduled<T> = { atMs, seq: this.seq++, item };
    const a = this.a;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  peek(): Scheduled<T> | undefined {
    return this.a[0];
  }

  pop(): Scheduled<T> | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (let depth = 0; depth < 64; depth++) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l], a[m])) m = l;
        if (r < a.length && less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

function less<T>(x: Scheduled<T>, y: Scheduled<T>): boolean {
  return x.atMs < y.atMs || (x.atMs === y.atMs && x.seq < y.seq);
}
