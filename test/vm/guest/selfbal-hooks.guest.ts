// Guest side (runs INSIDE the VM): the self-balancing tier of the keepalived article
// (../shared/seeds/003_*: "Using keepalived for a self-balancing cluster") with its own
// notify_master / notify_backup hooks, UNCHANGED (byte for byte, `#!/bin/bash`, the article's VIP
// 192.168.0.254 and /tmp/keepalived.ipvs), run by our daemon instead of keepalived. Three web nodes
// w1..w3 (192.168.0.1..3, busybox httpd answering its name; the article's sysctls), the client is
// the guest's root namespace. Everything here lives in namespaces inside the throw-away VM.
//
// What the issue asks of us here is "at least keepalived's behaviour": the reconciler must not
// fight the hooks. to_backup.sh saves and CLEARS the table on purpose and to_master.sh restores the
// saved copy; our manager treats those services as hook-managed (src/lvs/manager.ts): it updates
// destinations of a service that exists but never re-creates one the hooks removed, and its
// periodic repair leaves them alone. The article's own weakness is NOT fixed and not claimed to
// be: after a hard master failure the new master restores a copy that may still list the dead node
// (its checker had already dropped it from the cleared table and does not try again), and about a
// third of the requests fail while that node is down. Whether that happens depends on which comes
// first, the checker noticing the death or the VRRP takeover; the test reports which it saw.
//
// (The dead node's return is not replayed here: with these hooks it depends on the same races, and
// the return of a killed node is covered by selfbal.guest.ts and selfbal-scripts.guest.ts.)
//
// Each node has its own /tmp in real life: here every daemon runs in its own mount namespace with
// a per-node file bind-mounted over /tmp/keepalived.ipvs, so the three nodes' saved tables stay
// apart and the scripts stay unchanged.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LvsLab, conf, dests, fmt, get, inVm, sleep, waitFor, waitServed, type Daemon, vipOnLo, vrrpState } from './lib-lvs.ts';

// The article's addresses (inside the VM's private namespaces only).
const VIP = '192.168.0.254';
const NODES = { w1: '192.168.0.1', w2: '192.168.0.2', w3: '192.168.0.3' } as const;
type Node = keyof typeof NODES;
const URL = `http://${VIP}/`;
const SVC = `TCP ${VIP}:80`;
const START_MS = 60_000;
const CHANGE_MS = 30_000;
/** The manager's periodic repair runs every 5 s: outlast one pass, with slack. */
const REPAIR_PASS_MS = 6500;
const PRIO: Record<Node, number> = { w1: 150, w2: 100, w3: 50 };

// The article's scripts, verbatim.
const TO_MASTER = `#!/bin/bash

ip addr del 192.168.0.254/32 dev lo
ipvsadm --restore < /tmp/keepalived.ipvs
`;
const TO_BACKUP = `#!/bin/bash

ip addr add 192.168.0.254/32 scope host dev lo
ipvsadm --save > /tmp/keepalived.ipvs
ipvsadm --clear
`;
const ETC = '/etc/keepalived';
const SAVED = '/tmp/keepalived.ipvs';

const lab = new LvsLab('katsah');
const daemons = new Map<Node, Daemon>();
const created: string[] = [];

function nodeConf(name: Node): string {
  const rs = Object.values(NODES)
    .map((a) => `  real_server ${a} 80 {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 1\n      retry 0\n    }\n  }`)
    .join('\n');
  // The article's notify lines; advert_int 0.5 (VRRPv3) keeps the VM tier short.
  return conf(
    `vrrp_instance WEB {
  state BACKUP
  interface eth0
  virtual_router_id 64
  priority ${PRIO[name]}
  advert_int 0.5
  version 3
  virtual_ipaddress {
    ${VIP}/32 dev eth0
  }
  notify_master ${ETC}/to_master.sh
  notify_backup ${ETC}/to_backup.sh
}
`,
    `virtual_server ${VIP} 80 {
  delay_loop 1
  lb_algo wrr
  lb_kind DR
  protocol TCP
${rs}
}
`,
  ).replace('router_id kats', `router_id ${name}`);
}

const savedFile = (n: Node) => join(lab.dir, `${n}-keepalived.ipvs`);

function startNode(n: Node): Daemon {
  if (!existsSync(savedFile(n))) writeFileSync(savedFile(n), '');
  const d = lab.startWith(n, nodeConf(n), `mount --bind '${savedFile(n)}' ${SAVED} || exit 97`);
  daemons.set(n, d);
  return d;
}

const state = (n: Node): string => vrrpState(daemons.get(n));
const onLo = (n: Node) => vipOnLo(lab, n, VIP);
const onEth = (n: Node) => lab.hasVip(n, VIP);
const tableOf = (n: Node) => dests(lab.table(n), SVC);
const rsOf = (names: Node[]) => names.map((n) => `${NODES[n]}:80 w1`).sort();
const repairs = (n: Node) => daemons.get(n)?.count(/IPVS table differs/) ?? 0;

function dumpAll(): string {
  const logs = [...daemons.entries()].map(([n, d]) => `--- ${n} log (last 40) ---\n${d.lines.slice(-40).join('\n')}`).join('\n');
  const views = (Object.keys(NODES) as Node[])
    .map((n) => `${n}: state=${state(n)} eth=${onEth(n)} lo=${onLo(n)} saved=${JSON.stringify(readSaved(n))}\n${lab.ipvsadm(n, '-Ln')}`)
    .join('\n');
  return `${logs}\n--- views ---\n${views}`;
}

function readSaved(n: Node): string {
  try {
    return readFileSync(savedFile(n), 'utf8').trim();
  } catch {
    return '';
  }
}

/** `master` MASTER with the VIP on eth0 only; the other live nodes BACKUP with the VIP on lo only. */
function placed(master: Node, live: Node[]): boolean {
  return live.every((n) => (n === master ? state(n) === 'MASTER' && onEth(n) && !onLo(n) : state(n) === 'BACKUP' && onLo(n) && !onEth(n)));
}

describe("self-balancing tier with the article's own hooks, unchanged (our daemon runs them)", { skip: !inVm && 'runs inside the VM (test/vm/ipvs.test.ts)' }, () => {
  before(() => {
    lab.setup(Object.entries(NODES).map(([name, ip4]) => ({ name, ip4 })));
    lab.addRootClient('192.168.0.10');
    for (const n of Object.keys(NODES) as Node[]) {
      // The article's sysctls.
      lab.sysctl(n, { 'net.ipv4.conf.all.arp_ignore': 3, 'net.ipv4.conf.all.arp_announce': 2 });
      lab.startWeb(n);
    }
    mkdirSync(ETC, { recursive: true });
    for (const [f, text] of [
      ['to_master.sh', TO_MASTER],
      ['to_backup.sh', TO_BACKUP],
    ] as const) {
      const p = join(ETC, f);
      assert.ok(!existsSync(p), `${p} exists already`);
      writeFileSync(p, text, { mode: 0o755 });
      created.push(p);
    }
    if (!existsSync(SAVED)) {
      writeFileSync(SAVED, ''); // the mount point of each node's own copy
      created.push(SAVED);
    }
  });
  after(async () => {
    await lab.stopAll(8000);
    lab.close();
    lab.cleanupDir();
    for (const p of created) rmSync(p, { force: true });
  });

  test('three nodes: the hooks place the VIP (lo on backups) and clear the backups\' tables; requests spread over all three', async () => {
    startNode('w1');
    assert.ok(await daemons.get('w1')!.waitLine(/Entering (BACKUP|MASTER) STATE/, START_MS), dumpAll());
    startNode('w2');
    startNode('w3');
    assert.ok(await waitFor(() => placed('w1', ['w1', 'w2', 'w3']) && JSON.stringify(tableOf('w1')) === JSON.stringify(rsOf(['w1', 'w2', 'w3'])), START_MS, 1000), `w1 master with the table\n${dumpAll()}`);
    // At start the hook must find the table in place, as with keepalived (its checker wins the
    // race with the VRRP process's first notify_backup: 6 of 6 starts measured in this VM), so
    // to_backup.sh saves the service and clears it. (Our daemon used to start its LVS side after
    // VRRP and install the service on the backups AFTER the hook had run: a backup that balances
    // what the master forwards to it.) Had the hook saved the service and the table came back,
    // our reconciler would have re-created what the hook cleared.
    assert.ok(await waitFor(() => lab.table('w2').size === 0 && lab.table('w3').size === 0, CHANGE_MS, 500), `backups cleared\n${dumpAll()}`);
    const clearedAt = Date.now();
    for (const n of ['w2', 'w3'] as const) assert.match(readSaved(n), new RegExp(`-A -t ${VIP.replaceAll('.', '\\.')}:(80|http) -s wrr`), `${n} saved the table before clearing it\n${dumpAll()}`);
    assert.ok(await waitServed(URL, CHANGE_MS), dumpAll());
    const m = new Map<string | null, number>();
    for (let i = 0; i < 12; i++) {
      const r = await get(URL, 3000);
      m.set(r, (m.get(r) ?? 0) + 1);
    }
    assert.deepEqual([...m.keys()].sort(), ['w1', 'w2', 'w3'], `answers ${fmt(m)}\n${dumpAll()}`);
    // The reconciler does not fight the hook: through at least one periodic repair pass the
    // backups' tables stay empty and nothing was "repaired".
    await sleep(Math.max(0, REPAIR_PASS_MS - (Date.now() - clearedAt)));
    for (const n of ['w2', 'w3'] as const) {
      assert.equal(lab.table(n).size, 0, `${n} table re-filled\n${dumpAll()}`);
      assert.equal(repairs(n), 0, `${n} repaired a hook-managed service\n${dumpAll()}`);
    }
  });

  test('master killed (kill -9, link down): w2 takes the VIP and restores its saved table; survivors serve; w3 is left cleared', async (t) => {
    const dropW1 = new RegExp(`Removing service \\[?${NODES.w1.replaceAll('.', '\\.')}`);
    const dropsBefore = { w2: daemons.get('w2')!.count(dropW1), w3: daemons.get('w3')!.count(dropW1) };
    daemons.get('w1')!.crash();
    assert.ok(await daemons.get('w1')!.waitExit(5000));
    lab.linkSet('w1', false);
    assert.ok(await waitFor(() => placed('w2', ['w2', 'w3']) && lab.table('w2').has(SVC), CHANGE_MS, 500), `w2 took over\n${dumpAll()}`);
    // Both survivors' checkers see w1 fail (w3's is a health change on a cleared, hook-managed
    // service: the reconciler runs and must still not re-create it).
    for (const n of ['w2', 'w3'] as const) assert.ok(await daemons.get(n)!.waitLine(dropW1, CHANGE_MS, dropsBefore[n] + 1), `${n} saw w1 fail\n${dumpAll()}`);
    await sleep(1500); // any sync the failure caused has run
    assert.ok(await waitServed(URL, CHANGE_MS), dumpAll());
    const table = tableOf('w2');
    const listsDead = table.some((d) => d.startsWith(`${NODES.w1}:`));
    assert.ok(rsOf(['w2', 'w3']).every((d) => table.includes(d)), `w2's table lacks a survivor: ${table.join(', ')}\n${dumpAll()}`);
    const m = new Map<string | null, number>();
    for (let i = 0; i < 12; i++) {
      const r = await get(URL, 1500);
      m.set(r, (m.get(r) ?? 0) + 1);
    }
    const failed = m.get(null) ?? 0;
    // At least keepalived: every answer comes from a survivor, both survivors serve; requests fail
    // only when the restored table lists the dead node (the article's loss, keepalived's too).
    assert.ok([...m.keys()].every((k) => k === null || k === 'w2' || k === 'w3'), `answers ${fmt(m)}`);
    assert.ok((m.get('w2') ?? 0) > 0 && (m.get('w3') ?? 0) > 0, `answers ${fmt(m)}\n${dumpAll()}`);
    if (!listsDead) assert.equal(failed, 0, `answers ${fmt(m)} with the dead node out of the table\n${dumpAll()}`);
    t.diagnostic(
      listsDead
        ? `observed the article's loss (keepalived has it too): w2 restored a saved table that still lists the dead w1 (${table.join(', ')}); ${failed}/12 requests failed (${fmt(m)})`
        : `w2's table is current (${table.join(', ')}): the checker dropped w1 after the restore; ${fmt(m)}`,
    );
    assert.equal(lab.table('w3').size, 0, `w3 (backup) table re-filled\n${dumpAll()}`);
    assert.equal(repairs('w3'), 0, dumpAll());
  });
});
