// Probe-duration histograms for the Prometheus endpoint: every real-server check probe
// (src/lvs/health.ts) is observed once it ends (aborted probes are not), by check kind and by
// check. Cumulative buckets as Prometheus wants them (`le`, `_sum`, `_count`); the buckets span a
// loopback TCP connect (well under a millisecond) up to keepalived's connect_timeout range (the
// default is 5 s; anything longer lands in +Inf). Pure data apart from the one shared registry
// the health side writes into.
import type { MetricFamily, Sample } from './metrics.ts';

/** Seconds. */
export const CHECK_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export class Histogram {
  readonly bounds: readonly number[];
  /** Non-cumulative: counts[i] = observations in (bounds[i-1], bounds[i]]; the last is +Inf. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[] = CHECK_DURATION_BUCKETS) {
    this.bounds = bounds;
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(v: number): void {
    if (!Number.isFinite(v) || v < 0) return;
    let i = 0;
    while (i < this.bounds.length && v > this.bounds[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }

  /** The `_bucket` (cumulative, with `le`), `_sum` and `_count` samples under `labels`. */
  samples(labels: Record<string, string | number>): Sample[] {
    const out: Sample[] = [];
    let acc = 0;
    this.bounds.forEach((b, i) => {
      acc += this.counts[i];
      out.push({ suffix: '_bucket', labels: { ...labels, le: String(b) }, value: acc });
    });
    out.push({ suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: this.count });
    out.push({ suffix: '_sum', labels, value: this.sum });
    out.push({ suffix: '_count', labels, value: this.count });
    return out;
  }
}

interface CheckKey {
  checker: string;
  vsKey: string;
  rsKey: string;
  index: number;
}

/** Per-kind and per-check probe durations. */
export class ProbeDurations {
  readonly #byKind = new Map<string, Histogram>();
  readonly #byCheck = new Map<string, { key: CheckKey; h: Histogram }>();

  observe(key: CheckKey, seconds: number): void {
    let k = this.#byKind.get(key.checker);
    if (!k) this.#byKind.set(key.checker, (k = new Histogram()));
    k.observe(seconds);
    const id = `${key.vsKey}|${key.rsKey}|${key.index}`;
    let c = this.#byCheck.get(id);
    if (!c || c.key.checker !== key.checker) this.#byCheck.set(id, (c = { key, h: new Histogram() }));
    c.h.observe(seconds);
  }

  /** Forgets the checks of real servers no longer configured (`live` holds `vsKey|rsKey`). */
  retain(live: ReadonlySet<string>): void {
    for (const [id, c] of this.#byCheck) if (!live.has(`${c.key.vsKey}|${c.key.rsKey}`)) this.#byCheck.delete(id);
  }

  families(): MetricFamily[] {
    return [
      {
        name: 'keepalived_ts_check_duration_seconds',
        help: 'Duration of real server check probes, by check kind',
        type: 'histogram',
        samples: [...this.#byKind].sort(([a], [b]) => a.localeCompare(b)).flatMap(([checker, h]) => h.samples({ checker })),
      },
      {
        name: 'keepalived_ts_real_server_check_duration_seconds',
        help: 'Duration of real server check probes, by check (check = its position in the real_server block)',
        type: 'histogram',
        samples: [...this.#byCheck.values()].flatMap(({ key, h }) => h.samples({ virtual_server: key.vsKey, real_server: key.rsKey, checker: key.checker, check: key.index })),
      },
    ];
  }

  clear(): void {
    this.#byKind.clear();
    this.#byCheck.clear();
  }
}

/** The daemon's registry: the health side observes into it, the metrics endpoint reads it. */
export const probeDurations = new ProbeDurations();
