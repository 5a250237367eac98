// Prometheus text exposition (format 0.0.4) for the daemon's state. Names follow the
// keepalived-exporter (mehdy/keepalived-exporter) so existing dashboards and alerts keep working:
// keepalived_up, keepalived_vrrp_state{iname,intf,vrid,ip_address} (0 INIT, 1 BACKUP, 2 MASTER,
// 3 FAULT), keepalived_advert_rcvd_total, keepalived_advert_sent_total,
// keepalived_become_master_total, keepalived_release_master_total, keepalived_*_err_total,
// keepalived_pri_zero_*_total, keepalived_check_script_status; plus our own keepalived_ts_* series
// for what keepalived does not expose (drops by reason, probe latency and its histograms
// (histogram.ts), IPVS STATS64 counters).
// Pure: samples in, text out. The endpoint adapter is below and binds to loopback by default.
// node:http is fetched when the endpoint starts (--metrics): an ESM import of it materialises every
// export, which loads ~95 Node builtins (tls, http2, zlib, Node's own undici) into every daemon.
import type { Server } from 'node:http';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface Sample {
  /** Histogram series: `_bucket`, `_sum` or `_count` appended to the family name. */
  suffix?: '_bucket' | '_sum' | '_count';
  labels?: Record<string, string | number>;
  value: number | bigint;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const validName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export function renderMetrics(families: MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (!validName.test(f.name)) throw new Error(`invalid metric name ${f.name}`);
    out.push(`# HELP ${f.name} ${f.help.replace(/\n/g, ' ')}`);
    out.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = s.labels ? Object.entries(s.labels) : [];
      const l = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(String(v))}"`).join(',')}}` : '';
      out.push(`${f.name}${s.suffix ?? ''}${l} ${typeof s.value === 'bigint' ? s.value.toString() : Number.isFinite(s.value) ? String(s.value) : s.value > 0 ? '+Inf' : s.value < 0 ? '-Inf' : 'NaN'}`);
    }
  }
  return out.join('\n') + '\n';
}

export const VRRP_STATE_VALUE: Record<string, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 4 };

export interface MetricsEndpointOptions {
  /** Default 127.0.0.1: metrics never listen beyond loopback unless configured. */
  host?: string;
  port: number;
  path?: string;
  collect: () => MetricFamily[];
}

export function startMetricsEndpoint(o: MetricsEndpointOptions): Promise<Server> {
  const path = o.path ?? '/metrics';
  const server = process.getBuiltinModule('node:http').createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== path) {
      res.writeHead(404).end();
      return;
    }
    let body: string;
    try {
      body = renderMetrics(o.collect());
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`collect failed: ${(e as Error).message}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve(server));
  });
}
