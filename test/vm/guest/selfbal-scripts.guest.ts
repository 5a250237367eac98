// Guest side (runs INSIDE the VM): the self-balancing tier driven by OUR hook scripts
// (deploy/scripts/to_master.sh, to_backup.sh, selfbal-common.sh, for users who prefer notify
// hooks to `lvs_self_balancing`) with our daemon running them as notify_master / notify_backup /
// notify_fault / notify_stop, against the real kernel IPVS and nftables, with real HTTP traffic.
// Three web nodes w1..w3 (10.95.0.1..3, busybox httpd answering its name, the sysctls of
// deploy/sysctl/90-keepalived-ts-dr.conf); the client is the guest's root namespace.
//
// What the scripts promise (deploy/scripts/README.md), checked at every step:
//  - the VIP is on lo (scope host) on EVERY node, always; the MASTER also has it on eth0 (VRRP);
//  - only the MASTER marks the VIP's traffic (its own nftables table), so only it balances;
//  - the `virtual_server fwmark 1` is never saved, cleared or restored: every node's table is the
//    CURRENT health (after a master kill the dead node leaves every table, the new master's
//    included, and no request is lost to it once the checker has seen it);
//  - a node killed while MASTER is repaired by to_backup.sh run before the daemon restarts (the
//    boot sequence, or a systemd ExecStopPost= drop-in).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LvsLab, conf, dests, fmt, get, inVm, sh, waitFor, waitServed, type Daemon, vipOnLo, vrrpState } from './lib-lvs.ts';

const VIP = '10.95.0.100';
const NODES = { w1: '10.95.0.1', w2: '10.95.0.2', w3: '10.95.0.3' } as const;
type Node = keyof typeof NODES;
const ALL = Object.keys(NODES) as Node[];
const URL = `http://${VIP}/`;
const SVC = 'FWM 1';
const START_MS = 60_000;
const CHANGE_MS = 30_000;
const PRIO: Record<Node, number> = { w1: 150, w2: 100, w3: 50 };
const SCRIPTS = join(import.meta.dirname, '..', '..', '..', 'deploy', 'scripts');
const SYSCTL_FILE = join(import.meta.dirname, '..', '..', '..', 'deploy', 'sysctl', '90-keepalived-ts-dr.conf');
const ARGS = `${VIP} 80 tcp 1`;
/** selfbal-common.sh's table name for VIP/80/tcp. */
const NFT_TABLE = `selfbal_${VIP.replaceAll('.', '_')}_80_tcp`;

const lab = new LvsLab('katsds');
const daemons = new Map<Node, Daemon>();

function nodeConf(name: Node): string {
  const rs = Object.values(NODES)
    // No port: a fwmark service's real servers have none (keepalived clears one, with a warning).
    .map((a) => `  real_server ${a} {\n    weight 1\n    TCP_CHECK {\n      connect_port 80\n      connect_timeout 1\n      retry 0\n    }\n  }`)
    .join('\n');
  // The README's configuration.
  return conf(
    `vrrp_instance WEB {
  state BACKUP
  interface eth0
  virtual_router_id 65
  priority ${PRIO[name]}
  advert_int 0.5
  version 3
  virtual_ipaddress {
    ${VIP}/32 dev eth0
  }
  notify_master "${SCRIPTS}/to_master.sh ${ARGS}"
  notify_backup "${SCRIPTS}/to_backup.sh ${ARGS}"
  notify_fault "${SCRIPTS}/to_backup.sh ${ARGS}"
  notify_stop "${SCRIPTS}/to_backup.sh ${ARGS}"
}
`,
    `virtual_server fwmark 1 {
  delay_loop 1
  lb_algo rr
  lb_kind DR
${rs}
}
`,
  ).replace('router_id kats', `router_id ${name}`);
}

function startNode(n: Node): Daemon {
  const d = lab.start(n, nodeConf(n));
  daemons.set(n, d);
  return d;
}

const state = (n: Node): string => vrrpState(daemons.get(n));
const onLo = (n: Node) => vipOnLo(lab, n, VIP);
const onEth = (n: Node) => lab.hasVip(n, VIP);
const marking = (n: Node) => lab.nsh(n, 'nft list tables', true).split('\n').some((l) => l.trim() === `table ip ${NFT_TABLE}`);
const tableOf = (n: Node) => dests(lab.table(n), SVC);
const rsOf = (names: Node[]) => names.map((n) => `${NODES[n]}:0 w1`).sort();

/** What the scripts promise for `master` and the other live nodes, every table = `up`. */
function promised(master: Node, live: Node[], up: Node[]): boolean {
  return live.every((n) => {
    const isMaster = n === master;
    if (state(n) !== (isMaster ? 'MASTER' : 'BACKUP')) return false;
    if (!onLo(n) || onEth(n) !== isMaster || marking(n) !== isMaster) return false;
    const t = lab.table(n);
    return t.size === 1 && JSON.stringify(dests(t, SVC)) === JSON.stringify(rsOf(up));
  });
}

function dumpAll(): string {
  const logs = [...daemons.entries()].map(([n, d]) => `--- ${n} log (last 40) ---\n${d.lines.slice(-40).join('\n')}`).join('\n');
  const views = ALL.map((n) => `${n}: state=${state(n)} eth=${onEth(n)} lo=${onLo(n)} mark=${marking(n)}\n${lab.ipvsadm(n, '-Ln')}`).join('\n');
  return `${logs}\n--- views ---\n${views}`;
}

async function answers(n: number, timeoutMs: number): Promise<Map<string | null, number>> {
  const m = new Map<string | null, number>();
  for (let i = 0; i < n; i++) {
    const r = await get(URL, timeoutMs);
    m.set(r, (m.get(r) ?? 0) + 1);
  }
  return m;
}

describe('self-balancing tier with our deploy/scripts hooks (fwmark, nftables, real IPVS)', { skip: !inVm && 'runs inside the VM (test/vm/ipvs.test.ts)' }, () => {
  before(() => {
    lab.setup(Object.entries(NODES).map(([name, ip4]) => ({ name, ip4 })));
    lab.addRootClient('10.95.0.10');
    // The shipped sysctl file, line by line.
    const kv = Object.fromEntries(
      readFileSync(SYSCTL_FILE, 'utf8')
        .split('\n')
        .map((l) => /^\s*([\w.]+)\s*=\s*(\S+)/.exec(l))
        .filter((m) => m !== null)
        .map((m) => [m[1], m[2]]),
    );
    for (const n of ALL) {
      lab.sysctl(n, kv);
      lab.startWeb(n);
    }
  });
  after(async () => {
    await lab.stopAll(8000);
    lab.close();
    lab.cleanupDir();
  });

  test('three nodes: VIP on lo everywhere and on eth0 on the master, only the master marks, every table current; requests spread', async () => {
    startNode('w1');
    assert.ok(await daemons.get('w1')!.waitLine(/Entering (BACKUP|MASTER) STATE/, START_MS), dumpAll());
    startNode('w2');
    startNode('w3');
    assert.ok(await waitFor(() => promised('w1', ALL, ALL), START_MS, 1000), `w1 master\n${dumpAll()}`);
    assert.ok(await waitServed(URL, CHANGE_MS), dumpAll());
    const m = await answers(12, 3000);
    assert.deepEqual([...m.keys()].sort(), ['w1', 'w2', 'w3'], `answers ${fmt(m)}\n${dumpAll()}`);
  });

  test('master killed (kill -9, link down): w2 marks; the dead node leaves every table (current health, no restore); survivors only, no loss', async () => {
    daemons.get('w1')!.crash();
    assert.ok(await daemons.get('w1')!.waitExit(5000));
    lab.linkSet('w1', false);
    assert.ok(await waitFor(() => promised('w2', ['w2', 'w3'], ['w2', 'w3']), CHANGE_MS, 500), `w2 master\n${dumpAll()}`);
    assert.ok(await waitServed(URL, CHANGE_MS), dumpAll());
    const m = await answers(12, 1500);
    assert.deepEqual([...m.keys()].sort(), ['w2', 'w3'], `answers ${fmt(m)} (no failure once the checker dropped w1)\n${dumpAll()}`);
  });

  test('the killed node: to_backup.sh before the restart (the boot step) puts the VIP on lo and stops the mark; it returns and preempts', async () => {
    // kill -9 left the master's VIP on eth0, its mark rule and its (now stale) table.
    assert.ok(onEth('w1') && marking('w1') && lab.table('w1').size === 1, `w1 after the kill: eth=${onEth('w1')} mark=${marking('w1')}\n${lab.ipvsadm('w1', '-Ln')}`);
    // The README's boot step (or a systemd ExecStopPost= drop-in): with the mark gone the stale
    // table balances nothing; the daemon's start-up repair then removes the VIP from eth0 (the
    // `keepalived-ts cleanup` of the unit does that at once: selfbal.guest.ts) and its
    // reconciler makes the table current again.
    sh('ip', ['netns', 'exec', lab.host('w1').ns, `${SCRIPTS}/to_backup.sh`, VIP, '80', 'tcp', '1']);
    assert.ok(onLo('w1') && !marking('w1'), `w1 after to_backup.sh: lo=${onLo('w1')} mark=${marking('w1')}`);
    lab.linkSet('w1', true);
    startNode('w1');
    assert.ok(await waitFor(() => promised('w1', ALL, ALL), START_MS, 1000), `w1 master again\n${dumpAll()}`);
    assert.ok(await waitServed(URL, CHANGE_MS), dumpAll());
    const m = await answers(12, 3000);
    assert.deepEqual([...m.keys()].sort(), ['w1', 'w2', 'w3'], `answers ${fmt(m)}\n${dumpAll()}`);
  });
});
