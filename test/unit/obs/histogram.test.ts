// Probe-duration histograms (src/obs/histogram.ts) and their Prometheus text (metrics.ts):
// cumulative buckets with `le`, +Inf = count, _sum, per kind and per check, stale checks dropped.
// Also one real probe: a TCP connect to a loopback listener observed through the same registry
// the health side writes into.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo } from 'node:net';
import { CHECK_DURATION_BUCKETS, Histogram, ProbeDurations } from '../../../src/obs/histogram.ts';
import { renderMetrics } from '../../../src/obs/metrics.ts';

test('a histogram counts each observation in the first bucket that holds it; samples are cumulative', () => {
  const h = new Histogram([0.01, 0.1, 1]);
  for (const v of [0.005, 0.01, 0.05, 0.5, 3, -1, Number.NaN]) h.observe(v);
  assert.deepEqual(h.counts, [2, 1, 1, 1], 'le is inclusive; negative and NaN ignored');
  assert.equal(h.count, 5);
  assert.ok(Math.abs(h.sum - 3.565) < 1e-9);
  const s = h.samples({ checker: 'TCP_CHECK' });
  assert.deepEqual(
    s.filter((x) => x.suffix === '_bucket').map((x) => [x.labels?.le, x.value]),
    [['0.01', 2], ['0.1', 3], ['1', 4], ['+Inf', 5]],
  );
  assert.deepEqual(s.find((x) => x.suffix === '_count')?.value, 5);
});

test('default buckets run from half a millisecond to 10 s, increasing', () => {
  assert.equal(CHECK_DURATION_BUCKETS[0], 0.0005);
  assert.equal(CHECK_DURATION_BUCKETS.at(-1), 10);
  for (let i = 1; i < CHECK_DURATION_BUCKETS.length; i++) assert.ok(CHECK_DURATION_BUCKETS[i] > CHECK_DURATION_BUCKETS[i - 1]);
});

test('per kind and per check families render as Prometheus histograms; retain() drops removed real servers', () => {
  const p = new ProbeDurations();
  p.observe({ checker: 'TCP_CHECK', vsKey: 'tcp:10.0.0.1:80', rsKey: '10.0.0.11:80', index: 0 }, 0.002);
  p.observe({ checker: 'TCP_CHECK', vsKey: 'tcp:10.0.0.1:80', rsKey: '10.0.0.12:80', index: 0 }, 0.2);
  p.observe({ checker: 'HTTP_GET', vsKey: 'tcp:10.0.0.1:80', rsKey: '10.0.0.11:80', index: 1 }, 7);
  const text = renderMetrics(p.families());
  assert.match(text, /^# TYPE keepalived_ts_check_duration_seconds histogram$/m);
  assert.match(text, /^keepalived_ts_check_duration_seconds_bucket\{checker="TCP_CHECK",le="0\.0025"\} 1$/m);
  assert.match(text, /^keepalived_ts_check_duration_seconds_bucket\{checker="TCP_CHECK",le="0\.25"\} 2$/m);
  assert.match(text, /^keepalived_ts_check_duration_seconds_bucket\{checker="TCP_CHECK",le="\+Inf"\} 2$/m);
  assert.match(text, /^keepalived_ts_check_duration_seconds_count\{checker="HTTP_GET"\} 1$/m);
  assert.match(text, /^keepalived_ts_check_duration_seconds_bucket\{checker="HTTP_GET",le="5"\} 0$/m);
  assert.match(text, /^keepalived_ts_check_duration_seconds_sum\{checker="HTTP_GET"\} 7$/m);
  assert.match(text, /^keepalived_ts_real_server_check_duration_seconds_count\{virtual_server="tcp:10\.0\.0\.1:80",real_server="10\.0\.0\.11:80",checker="HTTP_GET",check="1"\} 1$/m);
  p.retain(new Set(['tcp:10.0.0.1:80|10.0.0.11:80']));
  const after = renderMetrics(p.families());
  assert.doesNotMatch(after, /real_server="10\.0\.0\.12:80"/);
  assert.match(after, /real_server="10\.0\.0\.11:80"/);
  assert.match(after, /^keepalived_ts_check_duration_seconds_count\{checker="TCP_CHECK"\} 2$/m, 'per-kind counters are kept');
});

test('a real loopback TCP connect lands in a bucket', async () => {
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const p = new ProbeDurations();
    const port = (server.address() as AddressInfo).port;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const c = connect(port, '127.0.0.1', () => {
          c.destroy();
          resolve();
        });
        c.on('error', reject);
      });
      p.observe({ checker: 'TCP_CHECK', vsKey: 'v', rsKey: 'r', index: 0 }, (performance.now() - t0) / 1000);
    }
    const fam = p.families()[0];
    const inf = fam.samples.find((s) => s.suffix === '_bucket' && s.labels?.le === '+Inf');
    assert.equal(inf?.value, 3);
    const sum = fam.samples.find((s) => s.suffix === '_sum');
    assert.ok(Number(sum?.value) > 0);
  } finally {
    server.close();
  }
});
