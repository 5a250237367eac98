// The lab's client: requests http://VIP/ every INTERVAL ms (fresh connection each time, 300 ms
// timeout) and prints one JSON line per request: {t, ok, by} where `by` is the node that answered.
// Runs inside the client namespace: `node client.ts VIP [INTERVAL_MS]`. Bounded: it exits when its
// parent closes stdin or after 24 h.
import { request } from 'node:http';

const vip = process.argv[2] ?? '10.99.0.100';
const intervalMs = Number(process.argv[3] ?? 100);
const end = Date.now() + 24 * 3600_000;

function once(): void {
  const t = Date.now();
  const req = request({ host: vip, port: 80, path: '/', timeout: 300, agent: false }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (body += c));
    res.on('end', () => process.stdout.write(JSON.stringify({ t, ok: res.statusCode === 200, by: body.trim() }) + '\n'));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => process.stdout.write(JSON.stringify({ t, ok: false, by: null, error: e.message }) + '\n'));
  req.end();
}

const timer = setInterval(() => {
  if (Date.now() > end) process.exit(0);
  once();
}, intervalMs);
process.stdin.on('end', () => {
  clearInterval(timer);
  process.exit(0);
});
process.stdin.resume();
