// Guest side (runs INSIDE the VM): the self-balancing DR tier (`lvs_self_balancing`) against the
// real kernel IPVS, with real HTTP traffic. Three web nodes w1..w3 (10.97.0.1..3), each running
// our daemon and a busybox httpd answering its name; the client is the guest's root namespace
// (10.97.0.10). The VRRP master holds the VIP 10.97.0.100 on eth0 and balances VIP:80 (DR, rr)
// over the three nodes, itself included; the others keep the VIP on lo (scope host) and no IPVS
// service. At every step, `ip addr` and `ipvsadm -Ln` of every live node must agree with its VRRP
// state, and there must be exactly one master and one table.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LvsLab, conf, dests, fmt, get, inVm, sh, waitFor, waitServed, type Daemon, vipOnLo, vrrpState } from './lib-lvs.ts';
import { BIN } from '../../lib/lab.ts';

const VIP = '10.97.0.100';
const NODES = { w1: '10.97.0.1', w2: '10.97.0.2', w3: '10.97.0.3' } as const;
type Node = keyof typeof NODES;
const URL = `http://${VIP}/`;
const SVC = `TCP ${VIP}:80`;
const START_MS = 60_000;
const CHANGE_MS = 30_000;

const lab = new LvsLab('katssg');
const daemons = new Map<Node, Daemon>();

function nodeConf(name: Node, priority: number): string {
  const rs = Object.values(NODES)
    .map(
      (a) => `  real_server ${a} 80 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }`,
    )
    .join('\n');
  return conf(
    `vrrp_instance WEB {
  state BACKUP
  interface eth0
  virtual_router_id 62
  priority ${priority}
  advert_int 0.5
  version 3
  lvs_self_balancing
  lvs_self_balancing_set_sysctl
  virtual_ipaddress {
    ${VIP}/32 dev eth0
  }
}
`,
    `virtual_server ${VIP} 80 {
  delay_loop 1
  lb_algo rr
  lb_kind DR
  protocol TCP
${rs}
}
`,
  ).replace('router_id kats', `router_id ${name}`);
}

const PRIO: Record<Node, number> = { w1: 150, w2: 100, w3: 50 };
function startNode(name: Node): Daemon {
  const d = lab.start(name, nodeConf(name, PRIO[name]));
  daemons.set(name, d);
  return d;
}

const state = (n: Node): string => vrrpState(daemons.get(n));
const onLo = (n: Node) => vipOnLo(lab, n, VIP);
const onEth = (n: Node) => lab.hasVip(n, VIP);

/** What a live node shows, and whether it agrees with its VRRP state. */
function view(n: Node): { state: string; eth: boolean; lo: boolean; table: string[] | null; ok: boolean } {
  const st = state(n);
  const t = lab.table(n);
  const table = t.has(SVC) ? dests(t, SVC) : null;
  const eth = onEth(n);
  const lo = onLo(n);
  const ok = st === 'MASTER' ? eth && !lo && table !== null && t.size === 1 : (st === 'BACKUP' || st === 'FAULT') && lo && !eth && t.size === 0;
  return { state: st, eth, lo, table, ok };
}

const rsOf = (names: Node[]) => names.map((n) => `${NODES[n]}:80 w1`).sort();

/**
 * `master` is the only MASTER; every live node agrees with its state; the master balances over
 * `up`. The VRRP states come from the logs (free); `ip` and `ipvsadm` run only once they fit
 * (process starts are what the single TCG CPU can least afford while daemons start).
 */
function settled(master: Node, live: Node[], up: Node[]): () => boolean {
  return () =>
    live.every((n) => (n === master ? state(n) === 'MASTER' : state(n) === 'BACKUP' || state(n) === 'FAULT')) &&
    live.every((n) => {
      const v = view(n);
      if (!v.ok) return false;
      if (n === master) return v.state === 'MASTER' && JSON.stringify(v.table) === JSON.stringify(rsOf(up));
      return v.state !== 'MASTER';
    });
}

function dumpAll(): string {
  const logs = [...daemons.entries()].map(([n, d]) => `--- ${n} log (last 50) ---\n${d.lines.slice(-50).join('\n')}`).join('\n');
  const views = (Object.keys(NODES) as Node[]).map((n) => `${n}: ${JSON.stringify(view(n))}\n${lab.ipvsadm(n, '-Ln')}`).join('\n');
  return `${logs}\n--- views ---\n${views}`;
}

async function assertSpread(names: Node[], n: number): Promise<void> {
  const m = new Map<string | null, number>();
  for (let i = 0; i < n; i++) {
    const r = await get(URL, 3000);
    m.set(r, (m.get(r) ?? 0) + 1);
  }
  assert.deepEqual([...m.keys()].sort(), [...names].sort(), `answers ${fmt(m)} (want ${names.join(',')})\n${dumpAll()}`);
}

describe('self-balancing DR tier (lvs_self_balancing, real IPVS, real traffic)', { skip: !inVm && 'runs inside the VM (test/vm/ipvs.test.ts)' }, () => {
  before(() => {
    lab.setup(Object.entries(NODES).map(([name, ip4]) => ({ name, ip4 })));
    lab.addRootClient('10.97.0.10');
    for (const n of Object.keys(NODES) as Node[]) lab.startWeb(n);
  });
  after(async () => {
    await lab.stopAll(8000);
    lab.close();
    lab.cleanupDir();
  });

  test('three nodes: one master with the VIP on eth0 and the table, the VIP on lo elsewhere; requests spread over all three', async () => {
    // w1 (highest priority) first, the others once it runs: three Node starts at once take
    // minutes of the one emulated CPU.
    startNode('w1');
    assert.ok(await daemons.get('w1')!.waitLine(/Entering (BACKUP|MASTER) STATE/, START_MS), dumpAll());
    startNode('w2');
    startNode('w3');
    assert.ok(await waitFor(settled('w1', ['w1', 'w2', 'w3'], ['w1', 'w2', 'w3']), START_MS, 1000), `settled on w1\n${dumpAll()}`);
    assert.ok(await waitServed(URL, CHANGE_MS), dumpAll());
    await assertSpread(['w1', 'w2', 'w3'], 12);
    assert.ok(settled('w1', ['w1', 'w2', 'w3'], ['w1', 'w2', 'w3'])(), dumpAll());
  });

  test('master killed (kill -9, link down): the next node takes the VIP and the balancing, over the two survivors only', async () => {
    daemons.get('w1')!.crash();
    assert.ok(await daemons.get('w1')!.waitExit(5000));
    lab.linkSet('w1', false);
    // The new master's table is built from current health: w1 leaves it after fall x interval.
    assert.ok(await waitFor(settled('w2', ['w2', 'w3'], ['w2', 'w3']), CHANGE_MS, 1000), `settled on w2\n${dumpAll()}`);
    assert.ok(await waitServed(URL, CHANGE_MS), dumpAll());
    // Once in place, no request goes to the dead node (it would time out).
    await assertSpread(['w2', 'w3'], 16);
    assert.ok(settled('w2', ['w2', 'w3'], ['w2', 'w3'])(), dumpAll());
  });

  test('the killed node returns (stale VIP on eth0 and stale table repaired): one master, one table, the VIP on lo on the others', async () => {
    // kill -9 left w1 with the VIP on eth0, none on lo, and its IPVS service.
    assert.ok(onEth('w1') && !onLo('w1') && lab.table('w1').has(SVC), `w1 after the crash: ${JSON.stringify(view('w1'))}`);
    lab.linkSet('w1', true);
    startNode('w1');
    assert.ok(await waitFor(settled('w1', ['w1', 'w2', 'w3'], ['w1', 'w2', 'w3']), START_MS, 1000), `settled on w1 again\n${dumpAll()}`);
    assert.ok(await waitServed(URL, CHANGE_MS), dumpAll());
    await assertSpread(['w1', 'w2', 'w3'], 12);
    assert.ok(settled('w1', ['w1', 'w2', 'w3'], ['w1', 'w2', 'w3'])(), dumpAll());
  });

  test('graceful stop of the master: it keeps serving as a real server with the VIP on lo; the next master balances over all three', async () => {
    daemons.get('w1')!.signal('SIGTERM');
    assert.ok(await daemons.get('w1')!.waitExit(15_000), dumpAll());
    assert.ok(await waitFor(() => settled('w2', ['w2', 'w3'], ['w1', 'w2', 'w3'])() && onLo('w1') && !onEth('w1') && lab.table('w1').size === 0, CHANGE_MS, 1000), `after stop\n${dumpAll()}`);
    assert.ok(await waitServed(URL, CHANGE_MS), dumpAll());
    await assertSpread(['w1', 'w2', 'w3'], 12);
  });

  test('master kill -9 with its link UP, then `keepalived-ts cleanup` (systemd ExecStopPost): VIP off eth0 and on lo, no stale service; the next master serves all three', async () => {
    // w2 is master (w1 stopped gracefully above). A daemon killed while its node stays up keeps
    // the VIP on eth0 next to the new master, and its table, until something cleans up: the
    // unit's ExecStopPost runs `keepalived-ts cleanup` right after the kill.
    daemons.get('w2')!.crash();
    assert.ok(await daemons.get('w2')!.waitExit(5000));
    assert.ok(onEth('w2') && lab.table('w2').has(SVC), `w2 after the kill: ${JSON.stringify(view('w2'))}`);
    const out = sh('ip', ['netns', 'exec', lab.host('w2').ns, process.execPath, BIN, 'cleanup', '-f', daemons.get('w2')!.conf]);
    assert.match(out, new RegExp(`removed leftover VIP ${VIP.replaceAll('.', '\\.')}/32 dev eth0`), out);
    assert.match(out, new RegExp(`removed IPVS service ${SVC.replaceAll('.', '\\.')}`), out);
    assert.ok(!onEth('w2') && onLo('w2') && lab.table('w2').size === 0, `w2 after cleanup: ${JSON.stringify(view('w2'))}\n${out}`);
    // w3 takes over; w1 (stopped) and w2 (killed, cleaned) keep serving as real servers.
    assert.ok(await waitFor(() => settled('w3', ['w3'], ['w1', 'w2', 'w3'])(), CHANGE_MS, 1000), `settled on w3\n${dumpAll()}`);
    assert.ok(await waitServed(URL, CHANGE_MS), dumpAll());
    await assertSpread(['w1', 'w2', 'w3'], 12);
    assert.ok(!onEth('w2') && onLo('w2') && lab.table('w2').size === 0, `w2 stays clean: ${JSON.stringify(view('w2'))}`);
  });
});
