// Guest half of the self-balancing benchmark (bench/selfbal.ts boots the VM and runs this inside
// it): the tier of test/vm/guest/selfbal.guest.ts (three web nodes w1..w3, each running our daemon
// with lvs_self_balancing and a busybox httpd; the client is the guest's root namespace), and a
// client that opens a new connection and sends one request every 10 ms, whatever the previous
// ones are doing. For each event (master kill, the killed node's restart, link return and
// preemption, graceful stop of the master) it records the requests sent from the event until the tier has settled
// again plus 3 s: failed ones (error or no answer within 1 s), slow ones (answer after > 200 ms),
// and the window from the first to the last failure. One `@@BENCH {json}@@` line per event.
import { LvsLab, conf, get, sleep, waitFor, type Daemon } from '../test/vm/guest/lib-lvs.ts';

const VIP = '10.96.0.100';
const NODES = { w1: '10.96.0.1', w2: '10.96.0.2', w3: '10.96.0.3' } as const;
type Node = keyof typeof NODES;
const PRIO: Record<Node, number> = { w1: 150, w2: 100, w3: 50 };
const URL = `http://${VIP}/`;
const ADVERT = process.env.KATS_BENCH_ADVERT ?? '0.2';
const SLOW_MS = 200;
/** KATS_BENCH_SYNC=1: lvs_sync_daemon on every node, so connections in flight survive a change of master. */
const SYNC = process.env.KATS_BENCH_SYNC === '1';

const lab = new LvsLab('katsbs');
const daemons = new Map<Node, Daemon>();

function nodeConf(name: Node): string {
  const rs = Object.values(NODES)
    .map((a) => `  real_server ${a} 80 {\n    TCP_CHECK {\n      connect_timeout 1\n      retry 0\n    }\n  }`)
    .join('\n');
  return conf(
    `vrrp_instance WEB {\n  state BACKUP\n  interface eth0\n  virtual_router_id 63\n  priority ${PRIO[name]}\n  advert_int ${ADVERT}\n  version 3\n  lvs_self_balancing\n  lvs_self_balancing_set_sysctl\n  virtual_ipaddress {\n    ${VIP}/32 dev eth0\n  }\n}\n`,
    `virtual_server ${VIP} 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n${rs}\n}\n`,
  ).replace('router_id kats', `router_id ${name}${SYNC ? '\n  lvs_sync_daemon eth0 WEB id 9' : ''}`);
}
function start(n: Node): Daemon {
  const d = lab.start(n, nodeConf(n));
  daemons.set(n, d);
  return d;
}
const state = (n: Node) => {
  const d = daemons.get(n);
  return !d || d.exited ? 'DEAD' : (d.matching(/Entering (MASTER|BACKUP|FAULT) STATE/).at(-1)?.match(/Entering (\w+)/)?.[1] ?? 'INIT');
};
/** `master` is MASTER with exactly `up` in its table; the other live nodes are not MASTER. */
const settled = (master: Node, live: Node[], up: Node[]) => () =>
  state(master) === 'MASTER' &&
  live.every((n) => n === master || state(n) === 'BACKUP') &&
  JSON.stringify((lab.table(master).get(`TCP ${VIP}:80`) ?? []).map((l) => l.split(' ')[0]).sort()) === JSON.stringify(up.map((n) => `${NODES[n]}:80`).sort());

interface Sample {
  t: number;
  ms: number;
  ok: boolean;
  who: string | null;
}

/** Fires a request every 10 ms until stopped; collects every outcome. */
function client(): { stop: () => Promise<Sample[]>; since: (t: number) => Sample[] } {
  const out: Sample[] = [];
  const pending = new Set<Promise<void>>();
  let running = true;
  const tick = () => {
    if (!running) return;
    const t = Date.now();
    const p = get(URL, 1000).then((who) => {
      out.push({ t, ms: Date.now() - t, ok: who !== null, who });
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
    setTimeout(tick, 10);
  };
  tick();
  return {
    since: (t) => out.filter((s) => s.t >= t),
    stop: async () => {
      running = false;
      await Promise.all([...pending]);
      return out;
    },
  };
}

function report(event: string, from: number, samples: Sample[], settleMs: number): void {
  const s = samples.filter((x) => x.t >= from).sort((a, b) => a.t - b.t);
  const failed = s.filter((x) => !x.ok);
  const slow = s.filter((x) => x.ok && x.ms > SLOW_MS);
  const by: Record<string, number> = {};
  for (const x of s) if (x.ok) by[x.who!] = (by[x.who!] ?? 0) + 1;
  const row = {
    name: event,
    requests: s.length,
    failed: failed.length,
    slow: slow.length,
    failWindowMs: failed.length ? failed.at(-1)!.t - failed[0].t : 0,
    firstFailAfterMs: failed.length ? failed[0].t - from : null,
    settledAfterMs: settleMs,
    answers: by,
  };
  console.log(`@@BENCH ${JSON.stringify(row)}@@`);
}

async function main(): Promise<void> {
  lab.setup(Object.entries(NODES).map(([name, ip4]) => ({ name, ip4 })));
  lab.addRootClient('10.96.0.10');
  try {
    for (const n of Object.keys(NODES) as Node[]) lab.startWeb(n);
    start('w1');
    await daemons.get('w1')!.waitLine(/Entering (BACKUP|MASTER) STATE/, 90_000);
    start('w2');
    start('w3');
    if (!(await waitFor(settled('w1', ['w1', 'w2', 'w3'], ['w1', 'w2', 'w3']), 120_000, 1000))) throw new Error('the tier did not settle on w1');
    const c = client();
    await sleep(3000);

    const measure = async (name: string, act: () => void | Promise<void>, until: () => boolean) => {
      const t0 = Date.now();
      await act();
      const ok = await waitFor(until, 90_000, 500);
      const settleMs = Date.now() - t0;
      await sleep(3000);
      report(ok ? name : `${name} (NOT settled)`, t0, c.since(t0), settleMs);
    };
    await measure(
      'master kill -9 + link down',
      async () => {
        daemons.get('w1')!.crash();
        await daemons.get('w1')!.waitExit(5000);
        lab.linkSet('w1', false);
      },
      settled('w2', ['w2', 'w3'], ['w2', 'w3']),
    );
    // The killed node's daemon restarts BEFORE its link returns (as after a reboot, or a service
    // restart while isolated): its start-up repair (VIP on lo, stale services out) is done before
    // it can attract traffic. With the link back first, the stale VIP on eth0 and the stale table
    // fight the new master until the daemon starts (two IPVS tables forwarding to each other).
    await measure(
      'killed node restarts, link back, preempts',
      async () => {
        start('w1');
        await daemons.get('w1')!.waitLine(/self-balancing: VIPs on lo/, 90_000);
        await daemons.get('w1')!.waitLine(/Entering (BACKUP|FAULT) STATE/, 30_000);
        lab.linkSet('w1', true);
      },
      settled('w1', ['w1', 'w2', 'w3'], ['w1', 'w2', 'w3']),
    );
    await measure(
      'graceful stop of the master (SIGTERM)',
      () => daemons.get('w1')!.signal('SIGTERM'),
      () => daemons.get('w1')!.exited && settled('w2', ['w2', 'w3'], ['w1', 'w2', 'w3'])(),
    );
    await c.stop();
  } finally {
    await lab.stopAll(8000);
    lab.close();
    lab.cleanupDir();
  }
}

await main();
