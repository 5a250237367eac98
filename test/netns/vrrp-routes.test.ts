// virtual_routes and virtual_rules with two keepalived-ts routers and a client on a bridge: the
// routes and rules appear (marked proto 112) on the master only, follow the VIP on failover, and a
// crashed run's leftovers are removed at the next start; static_routes / static_rules are on every
// router from start to stop (keepalived's stop_vrrp clears them). Checked with iproute2 (`ip route show
// table N`, `ip rule`), an independent reader of the kernel's tables.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, ROUTERS_AND_CLIENT, conf, instanceBlock, labSuite, mdiMs, sh, waitFor, type Daemon } from '../lib/lab.ts';

const VIP = '10.99.0.100';
const START_MS = 8000;
const FAILOVER_MS = mdiMs(0.1, 50) + 5000;

const lab = new Lab('katsrt');
const daemons = new Map<string, Daemon>();

const EXTRA = [
  'virtual_routes {',
  '  10.50.0.0/24 via 10.99.0.9 dev eth0 table 100 metric 5',
  `  src ${VIP} to 10.51.0.0/24 dev eth0 table 100`,
  '  blackhole 10.52.0.0/24 table 100',
  '  unreachable 10.53.0.0/24 table 1000',
  '  10.54.0.0/24 via 10.99.0.9',
  '}',
  'virtual_rules {',
  '  from 10.60.0.0/24 table 100 priority 1000',
  '  to 10.61.0.0/16 table 1000 priority 1001',
  '  from 10.62.0.0/24 iif eth0 blackhole priority 1002',
  '}',
];

// static_routes / static_rules: on every router whatever its state, from start to stop.
const STATIC = ['static_routes {', '  10.70.0.0/24 via 10.99.0.9 table 200', '}', 'static_rules {', '  from 10.71.0.0/24 table 200 priority 2000', '}'].join('\n');

function staticSet(host: string): boolean {
  const out = sh('ip', ['-n', lab.host(host).ns, '-j', 'rule', 'show'], { allowFail: true });
  const rule = (JSON.parse(out || '[]') as JRule[]).find((r) => r.priority === 2000);
  const route = routes(host, '200').find((r) => r.dst === '10.70.0.0/24');
  return rule?.table === '200' && rule.protocol === '112' && route?.gateway === '10.99.0.9' && route.protocol === '112';
}

function staticGone(host: string): boolean {
  const out = sh('ip', ['-n', lab.host(host).ns, '-j', 'rule', 'show'], { allowFail: true });
  return !(JSON.parse(out || '[]') as JRule[]).some((r) => r.priority === 2000) && routes(host, '200').length === 0;
}

function startRouter(name: string, priority: number): Daemon {
  const d = lab.start(name, conf(instanceBlock({ priority, vips: [`${VIP}/24 dev eth0`], extra: EXTRA }), STATIC));
  daemons.set(name, d);
  return d;
}

interface JRoute { dst: string; type?: string; gateway?: string; dev?: string; protocol?: string; metric?: number; prefsrc?: string; scope?: string }
interface JRule { priority: number; src?: string; srclen?: number; dst?: string; dstlen?: number; table?: string; protocol?: string; action?: string; iif?: string }

function routes(host: string, table: string): JRoute[] {
  const out = sh('ip', ['-n', lab.host(host).ns, '-j', 'route', 'show', 'table', table], { allowFail: true });
  // A table that was never filled does not exist: iproute2 prints a lone '[' and fails.
  try {
    return JSON.parse(out || '[]') as JRoute[];
  } catch {
    return [];
  }
}

function ourRules(host: string): JRule[] {
  const out = sh('ip', ['-n', lab.host(host).ns, '-j', 'rule', 'show'], { allowFail: true });
  return (JSON.parse(out || '[]') as JRule[]).filter((r) => r.priority >= 1000 && r.priority <= 1002);
}

/** Everything the config asks for is installed on `host` (and only ours: proto 112). */
function installed(host: string): boolean {
  const t100 = routes(host, '100');
  const t1000 = routes(host, '1000');
  const main = routes(host, 'main');
  return t100.length === 3 && t1000.length === 1 && main.some((r) => r.dst === '10.54.0.0/24') && ourRules(host).length === 3;
}

function nothing(host: string): boolean {
  return routes(host, '100').length === 0 && routes(host, '1000').length === 0 && !routes(host, 'main').some((r) => r.dst === '10.54.0.0/24') && ourRules(host).length === 0;
}

function dumpAll(): string {
  const tables = ['r1', 'r2'].map((h) => `--- ${h} ---\n${sh('ip', ['-n', lab.host(h).ns, 'route', 'show', 'table', 'all'], { allowFail: true })}\n${sh('ip', ['-n', lab.host(h).ns, 'rule'], { allowFail: true })}`);
  return [...tables, lab.dumpAll()].join('\n');
}

describe('virtual_routes / virtual_rules follow MASTER, static ones stay from start to stop (2 routers + client)', () => {
  labSuite(lab, ROUTERS_AND_CLIENT);

  test('the master installs every route and rule with our protocol marker; the backup none', async () => {
    startRouter('r2', 100);
    startRouter('r1', 150);
    assert.ok(await waitFor(() => installed('r1'), START_MS), `r1 should hold the routes\n${dumpAll()}`);
    assert.ok(await daemons.get('r2')!.waitLine(/\(VI_1\) Entering BACKUP STATE/, 2000), dumpAll());
    assert.ok(nothing('r2'), `the backup holds none\n${dumpAll()}`);
    assert.ok(staticSet('r1') && staticSet('r2'), `static routes and rules on both, whatever the state\n${dumpAll()}`);

    const t100 = routes('r1', '100');
    const via = t100.find((r) => r.dst === '10.50.0.0/24');
    assert.deepEqual([via?.gateway, via?.dev, via?.metric, via?.protocol], ['10.99.0.9', 'eth0', 5, '112']);
    const src = t100.find((r) => r.dst === '10.51.0.0/24');
    assert.deepEqual([src?.prefsrc, src?.dev, src?.scope, src?.protocol], [VIP, 'eth0', 'link', '112']);
    const bh = t100.find((r) => r.dst === '10.52.0.0/24');
    assert.deepEqual([bh?.type, bh?.protocol], ['blackhole', '112']);
    const un = routes('r1', '1000')[0];
    assert.deepEqual([un.dst, un.type, un.protocol], ['10.53.0.0/24', 'unreachable', '112']);
    assert.equal(routes('r1', 'main').find((r) => r.dst === '10.54.0.0/24')?.protocol, '112');

    const rules = ourRules('r1');
    const byPrio = new Map(rules.map((r) => [r.priority, r]));
    assert.deepEqual([byPrio.get(1000)?.src, byPrio.get(1000)?.srclen, byPrio.get(1000)?.table, byPrio.get(1000)?.protocol], ['10.60.0.0', 24, '100', '112']);
    assert.deepEqual([byPrio.get(1001)?.dst, byPrio.get(1001)?.dstlen, byPrio.get(1001)?.table], ['10.61.0.0', 16, '1000']);
    assert.deepEqual([byPrio.get(1002)?.iif, byPrio.get(1002)?.action], ['eth0', 'blackhole']);

  });

  test('failover: the stopped master removes them, the new master installs them', async () => {
    const d1 = daemons.get('r1')!;
    d1.signal('SIGTERM');
    assert.ok(await d1.waitExit(FAILOVER_MS), d1.dump());
    assert.equal(d1.exitCode, 0);
    assert.ok(await waitFor(() => installed('r2'), FAILOVER_MS), `r2 should hold the routes\n${dumpAll()}`);
    assert.ok(nothing('r1'), `the stopped master left nothing\n${dumpAll()}`);
    assert.ok(staticGone('r1'), `static routes and rules go at stop (as keepalived)\n${dumpAll()}`);
    assert.ok(staticSet('r2'));
  });

  test('a lower-priority master going BACKUP removes them while still running', async () => {
    const d1 = startRouter('r1', 150);
    assert.ok(await waitFor(() => installed('r1'), START_MS), dumpAll());
    assert.ok(await daemons.get('r2')!.waitLine(/\(VI_1\) Entering BACKUP STATE/, 3000, 2), dumpAll());
    assert.ok(await waitFor(() => nothing('r2'), 3000), `r2 (running, now BACKUP) keeps none\n${dumpAll()}`);
    assert.ok(!d1.exited);
  });

  test("kill -9 leaves them; the next start removes a crashed run's leftovers", async () => {
    const d1 = daemons.get('r1')!;
    d1.crash();
    assert.ok(await d1.waitExit(3000));
    assert.ok(installed('r1'), 'a SIGKILLed daemon cannot remove its routes');
    assert.ok(await waitFor(() => installed('r2'), FAILOVER_MS), dumpAll());
    // r1 comes back as a low-priority router: it must start by removing what the dead run left.
    assert.ok(staticSet('r1'), 'nor its static routes');
    const again = lab.start('r1', conf(instanceBlock({ priority: 50, vips: [`${VIP}/24 dev eth0`], extra: EXTRA }), STATIC));
    daemons.set('r1', again);
    assert.ok(await again.waitLine(/removed leftover route 10\.50\.0\.0\/24 via 10\.99\.0\.9 table 100 metric 5/, START_MS), again.dump());
    assert.ok(await again.waitLine(/removed leftover rule 1000: from 10\.60\.0\.0\/24 lookup 100/, 1000), again.dump());
    assert.ok(await again.waitLine(/\(VI_1\) Entering BACKUP STATE/, START_MS), again.dump());
    assert.ok(nothing('r1'), dumpAll());
    assert.ok(installed('r2'), dumpAll());
    // The leftover static route went with the rest and was set again.
    assert.ok(again.count(/removed leftover route 10\.70\.0\.0\/24 via 10\.99\.0\.9 table 200/) === 1, again.dump());
    assert.ok(await waitFor(() => staticSet('r1'), 2000), dumpAll());
  });
});
