// Guest side (runs INSIDE the VM): LVS directors running our daemon against the real kernel IPVS,
// with real HTTP traffic. Topology (one bridge, namespaces from test/lib/lab.ts):
//
//   client = the guest's root namespace: 10.99.0.10 (DR requests) and 10.99.0.11 (NAT requests)
//   d1 10.99.0.2 + 10.98.0.2, d2 10.99.0.3 + 10.98.0.3: the directors (our daemon, VRRP + LVS);
//      VRRP holds the VIP 10.99.0.100 and the real servers' gateway 10.98.0.1
//   r1..r3 10.98.0.21..23: busybox httpd answering its name; the VIP on lo (DR); default route via
//      10.98.0.1 (NAT replies go back through the director), 10.99.0.10 on-link (DR replies go
//      straight to the client)
//
// Services: VIP:80 DR (rr) and VIP:8080 NAT (rr, to port 80), TCP_CHECK every second.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { LvsLab, conf, dests, fmt, get, inVm, sh, waitFor, waitServed, type Daemon } from './lib-lvs.ts';

const VIP = '10.99.0.100';
const GW = '10.98.0.1';
const RS = { r1: '10.98.0.21', r2: '10.98.0.22', r3: '10.98.0.23' } as const;
const DR_CLIENT = '10.99.0.10';
const NAT_CLIENT = '10.99.0.11';
const DR_URL = `http://${VIP}/`;
const NAT_URL = `http://${VIP}:8080/`;
const DR_SVC = `TCP ${VIP}:80`;
const NAT_SVC = `TCP ${VIP}:8080`;
// Generous: a Node start costs seconds under TCG, and everything shares one slow CPU.
const START_MS = 45_000;
const CHANGE_MS = 20_000;
const REPAIR_MS = 25_000; // periodic repair every 5 s, plus slack

const lab = new LvsLab('katslv');
const daemons = new Map<string, Daemon>();

function directorConf(name: string, priority: number): string {
  const rs = () =>
    Object.values(RS)
      .map(
        (a) => `  real_server ${a} 80 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }`,
      )
      .join('\n') + `\n`;
  const vs = (port: number, kind: 'DR' | 'NAT') => `virtual_server ${VIP} ${port} {
  delay_loop 1
  lb_algo rr
  lb_kind ${kind}
  protocol TCP
${rs()}}
`;
  return conf(
    `vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 61
  priority ${priority}
  advert_int 0.5
  version 3
  virtual_ipaddress {
    ${VIP}/32 dev eth0
    ${GW}/32 dev eth0
  }
}
`,
    vs(80, 'DR'),
    vs(8080, 'NAT'),
    // A long-lived TCP service on r1 only (an echo server) for the connection-sync test.
    `virtual_server ${VIP} 7000 {
  delay_loop 1
  lb_algo rr
  lb_kind DR
  protocol TCP
  real_server ${RS.r1} 7000 {
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
`,
  ).replace('router_id kats', `router_id ${name}\n  lvs_sync_daemon eth0 VI_1 id 7`);
}

function startDirector(name: string, priority: number): Daemon {
  const d = lab.start(name, directorConf(name, priority), ['--metrics', String(METRICS_PORT)]);
  daemons.set(name, d);
  return d;
}

const METRICS_PORT = 9650;
/** What the kernel holds on `director`: `ADDR:PORT wWEIGHT` per destination over every service, sorted. */
const kernelDests = (director: string) => [...lab.table(director).values()].flat().map((l) => l.split(' ')).map(([a, , w]) => `${a} w${w}`).sort();
/** The same seen through `status --json`: the real servers it calls up, with their weight. */
const statusDests = (director: string) =>
  lab
    .status(director, join(lab.dir, `${director}.ctl.sock`))
    .virtualServers.flatMap((vs) => vs.realServers.filter((r) => r.up).map((r) => `${r.realServer} w${r.weight}`))
    .sort();
/** And through --metrics: keepalived_ts_ipvs_real_server_weight (read from the kernel table). */
const metricDests = (director: string) =>
  lab
    .metrics(director, METRICS_PORT)
    .split('\n')
    .flatMap((l) => {
      const m = /^keepalived_ts_ipvs_real_server_weight\{[^}]*real_server="([^"]+)"[^}]*\} (\d+)$/.exec(l);
      return m ? [`${m[1]} w${m[2]}`] : [];
    })
    .sort();
const dumpAll = () => [...daemons.values()].map((d) => d.dump().split('\n').slice(-60).join('\n')).join('\n') + `\n--- ipvsadm ---\n${[...daemons.keys()].map((n) => `${n}:\n${lab.ipvsadm(n, '-Ln')}`).join('\n')}`;
const state = (d: Daemon) => (d.matching(/Entering (MASTER|BACKUP|FAULT) STATE/).at(-1)?.match(/Entering (\w+)/)?.[1]) ?? 'INIT';
const allRs = (up: string[]) => up.map((n) => `${RS[n as keyof typeof RS]}:80`);
const want = (svc: string, up: string[], fwd: string, director = 'd1') => () => {
  const t = lab.table(director);
  const got = (t.get(svc) ?? []).map((l) => l.split(' ')).filter(([, f]) => f === fwd).map(([a]) => a).sort();
  return JSON.stringify(got) === JSON.stringify(allRs(up).sort()) && (t.get(svc) ?? []).length === up.length;
};

/** A client TCP connection to an echo server, one line at a time. */
class EchoConn {
  private readonly sock: Socket;
  private buf = '';
  private ok = false;
  private waiters: (() => void)[] = [];
  constructor(host: string, port: number, localAddress: string) {
    this.sock = new Socket();
    this.sock.setEncoding('utf8');
    this.sock.on('data', (d: string) => {
      this.buf += d;
      this.wake();
    });
    this.sock.on('error', () => this.wake());
    this.sock.on('close', () => this.wake());
    this.sock.connect({ host, port, localAddress }, () => {
      this.ok = true;
      this.wake();
    });
  }
  get localPort(): number {
    return this.sock.localPort ?? 0;
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  private wait(pred: () => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    return new Promise((resolve) => {
      const check = () => {
        if (pred()) return resolve(true);
        if (this.sock.destroyed || Date.now() >= end) return resolve(false);
        this.waiters.push(check);
        setTimeout(check, Math.min(250, end - Date.now()));
      };
      check();
    });
  }
  connected(ms: number): Promise<boolean> {
    return this.wait(() => this.ok, ms);
  }
  /** Sends a line; the echoed line, or null (timeout, reset). */
  async say(line: string, ms: number): Promise<string | null> {
    this.buf = '';
    this.sock.write(`${line}\n`);
    const got = await this.wait(() => this.buf.includes('\n'), ms);
    return got ? this.buf.split('\n')[0] : null;
  }
  close(): void {
    this.sock.destroy();
  }
}

async function assertSpread(url: string, names: string[], n: number, localAddress?: string): Promise<void> {
  const m = new Map<string | null, number>();
  for (let i = 0; i < n; i++) {
    const r = await get(url, 3000, localAddress);
    m.set(r, (m.get(r) ?? 0) + 1);
  }
  assert.deepEqual([...m.keys()].sort(), [...names].sort(), `answers ${fmt(m)} (want ${names.join(',')})\n${dumpAll()}`);
}

describe('LVS director (our daemon, real IPVS): DR and NAT, health, reconciler, failover', { skip: !inVm && 'runs inside the VM (test/vm/ipvs.test.ts)' }, () => {
  before(() => {
    lab.setup([
      { name: 'd1', ip4: '10.99.0.2' },
      { name: 'd2', ip4: '10.99.0.3' },
      { name: 'r1', ip4: RS.r1 },
      { name: 'r2', ip4: RS.r2 },
      { name: 'r3', ip4: RS.r3 },
    ]);
    const dev = lab.addRootClient(DR_CLIENT);
    sh('ip', ['addr', 'add', `${NAT_CLIENT}/24`, 'dev', dev]);
    for (const [d, a] of [['d1', '10.98.0.2'], ['d2', '10.98.0.3']]) {
      sh('ip', ['-n', lab.host(d).ns, 'addr', 'add', `${a}/24`, 'dev', 'eth0']);
      // NAT replies come in and go out on eth0: no ICMP redirect may teach the real servers a shortcut.
      lab.sysctl(d, { 'net.ipv4.ip_forward': 1, 'net.ipv4.conf.all.send_redirects': 0, 'net.ipv4.conf.eth0.send_redirects': 0, 'net.ipv4.conf.default.send_redirects': 0 });
    }
    for (const r of Object.keys(RS)) {
      lab.drRealServer(r, VIP);
      lab.sysctl(r, { 'net.ipv4.conf.all.accept_redirects': 0, 'net.ipv4.conf.eth0.accept_redirects': 0 });
      sh('ip', ['-n', lab.host(r).ns, 'route', 'add', `${DR_CLIENT}/32`, 'dev', 'eth0']);
      sh('ip', ['-n', lab.host(r).ns, 'route', 'add', 'default', 'via', GW]);
      lab.startWeb(r);
    }
    // busybox nc as a persistent echo server (one `cat` per connection).
    lab.procs.push(spawn('ip', ['netns', 'exec', lab.host('r1').ns, 'nc', '-ll', '-p', '7000', '-e', 'cat'], { detached: true, stdio: 'ignore' }));
  });
  after(async () => {
    await lab.stopAll(8000);
    lab.close();
    lab.cleanupDir();
  });

  test('one director: requests to the VIP spread over the three real servers, DR and NAT', async () => {
    startDirector('d1', 150);
    assert.ok(await waitFor(() => state(daemons.get('d1')!) === 'MASTER', START_MS, 200), `d1 MASTER\n${dumpAll()}`);
    assert.ok(await waitFor(want(DR_SVC, ['r1', 'r2', 'r3'], 'Route'), START_MS, 200), `DR table\n${dumpAll()}`);
    assert.ok(await waitFor(want(NAT_SVC, ['r1', 'r2', 'r3'], 'Masq'), CHANGE_MS, 200), `NAT table\n${dumpAll()}`);
    assert.ok(await waitServed(DR_URL, CHANGE_MS), `VIP served\n${dumpAll()}`);
    await assertSpread(DR_URL, ['r1', 'r2', 'r3'], 12, DR_CLIENT);
    await assertSpread(NAT_URL, ['r1', 'r2', 'r3'], 12, NAT_CLIENT);
  });

  test('a real server whose web server stops leaves both services, and returns when it restarts', async () => {
    lab.stopWeb('r2');
    // fall x interval = 1 x 1 s (retry 0, delay_loop 1): the bound is generous for TCG.
    assert.ok(await waitFor(() => want(DR_SVC, ['r1', 'r3'], 'Route')() && want(NAT_SVC, ['r1', 'r3'], 'Masq')(), CHANGE_MS, 200), `r2 out\n${dumpAll()}`);
    await assertSpread(DR_URL, ['r1', 'r3'], 8, DR_CLIENT);
    await assertSpread(NAT_URL, ['r1', 'r3'], 8, NAT_CLIENT);
    lab.startWeb('r2');
    assert.ok(await waitFor(() => want(DR_SVC, ['r1', 'r2', 'r3'], 'Route')() && want(NAT_SVC, ['r1', 'r2', 'r3'], 'Masq')(), CHANGE_MS, 200), `r2 back\n${dumpAll()}`);
    await assertSpread(DR_URL, ['r1', 'r2', 'r3'], 12, DR_CLIENT);
  });

  test('status --json and --metrics agree with the kernel IPVS table, with a real server down and back', async () => {
    const agree = () => {
      const k = JSON.stringify(kernelDests('d1'));
      return k === JSON.stringify(statusDests('d1')) && k === JSON.stringify(metricDests('d1'));
    };
    const views = () => `kernel ${kernelDests('d1').join(', ')}\nstatus ${statusDests('d1').join(', ')}\nmetrics ${metricDests('d1').join(', ')}\n${dumpAll()}`;
    assert.ok(await waitFor(agree, CHANGE_MS, 500), views());
    const all = kernelDests('d1').length;
    lab.stopWeb('r3');
    assert.ok(await waitFor(() => want(DR_SVC, ['r1', 'r2'], 'Route')() && want(NAT_SVC, ['r1', 'r2'], 'Masq')(), CHANGE_MS, 200), `r3 out\n${dumpAll()}`);
    assert.ok(await waitFor(agree, CHANGE_MS, 500), views());
    // r3 left the DR and the NAT service
    assert.equal(kernelDests('d1').length, all - 2, views());
    lab.startWeb('r3');
    assert.ok(await waitFor(() => want(DR_SVC, ['r1', 'r2', 'r3'], 'Route')() && want(NAT_SVC, ['r1', 'r2', 'r3'], 'Masq')(), CHANGE_MS, 200), `r3 back\n${dumpAll()}`);
    assert.ok(await waitFor(agree, CHANGE_MS, 500), views());
    // Traffic reaches r3 again (and the manager's passes for its return are over before the
    // reconciler test below edits the table behind its back).
    await assertSpread(DR_URL, ['r1', 'r2', 'r3'], 12, DR_CLIENT);
  });

  test('reconciler: our service deleted or changed with ipvsadm is put back; a foreign service is never touched', async () => {
    const foreign = ['-A', '-t', '10.99.0.200:80', '-s', 'wlc'];
    assert.equal(sh('ip', ['netns', 'exec', lab.host('d1').ns, 'ipvsadm', ...foreign]), '');
    lab.ipvsadm('d1', '-a', '-t', '10.99.0.200:80', '-r', `${RS.r1}:80`, '-g', '-w', '7');
    const before = lab.ipvsadm('d1', '-Ln');
    // ipvsadm -D succeeds only on a service that is there, and removes it. (Reading the table
    // afterwards to see it gone raced the daemon's repair pass: CI saw it already put back.)
    assert.equal(sh('ip', ['netns', 'exec', lab.host('d1').ns, 'ipvsadm', '-D', '-t', `${VIP}:80`]), '');
    assert.ok(await waitFor(want(DR_SVC, ['r1', 'r2', 'r3'], 'Route'), REPAIR_MS, 250), `DR service back\n${dumpAll()}`);
    assert.match(lab.ipvsadm('d1', '-Ln'), new RegExp(`TCP  ${VIP.replaceAll('.', '\\.')}:80 rr`));

    lab.ipvsadm('d1', '-E', '-t', `${VIP}:8080`, '-s', 'wlc');
    lab.ipvsadm('d1', '-e', '-t', `${VIP}:8080`, '-r', `${RS.r1}:80`, '-m', '-w', '5');
    lab.ipvsadm('d1', '-d', '-t', `${VIP}:8080`, '-r', `${RS.r3}:80`);
    assert.ok(
      await waitFor(() => {
        const out = lab.ipvsadm('d1', '-Ln');
        return out.includes(`TCP  ${VIP}:8080 rr`) && dests(lab.table('d1'), NAT_SVC).join() === [`${RS.r1}:80 w1`, `${RS.r2}:80 w1`, `${RS.r3}:80 w1`].join();
      }, REPAIR_MS, 250),
      `NAT service repaired\n${dumpAll()}`,
    );
    // The foreign service survived every repair pass as it was.
    const f = lab.table('d1').get('TCP 10.99.0.200:80');
    assert.deepEqual(f, [`${RS.r1}:80 Route 7`], `foreign service touched\nbefore:\n${before}\nnow:\n${lab.ipvsadm('d1', '-Ln')}`);
    assert.match(lab.ipvsadm('d1', '-Ln'), /TCP  10\.99\.0\.200:80 wlc/);
    assert.ok(daemons.get('d1')!.count(/changed behind our back/) >= 1, dumpAll());
    await assertSpread(DR_URL, ['r1', 'r2', 'r3'], 6, DR_CLIENT);
    lab.ipvsadm('d1', '-D', '-t', '10.99.0.200:80');
  });

  test('director pair: the master killed (kill -9 + link down) -> the backup takes over and requests succeed again', async () => {
    startDirector('d2', 100);
    const d2 = daemons.get('d2')!;
    assert.ok(await waitFor(() => state(d2) === 'BACKUP', START_MS, 200), `d2 BACKUP\n${dumpAll()}`);
    // A plain director pair: the backup programs the same table (it only lacks the VIP).
    assert.ok(await waitFor(() => want(DR_SVC, ['r1', 'r2', 'r3'], 'Route', 'd2')() && want(NAT_SVC, ['r1', 'r2', 'r3'], 'Masq', 'd2')(), START_MS, 200), `d2 table\n${dumpAll()}`);
    assert.equal(state(daemons.get('d1')!), 'MASTER');
    assert.ok(!lab.hasVip('d2', VIP));

    // lvs_sync_daemon: d1 runs the master sync daemon, d2 the backup one.
    assert.ok(daemons.get('d1')!.count(/IPVS: start master sync daemon on eth0 \(id 7\)/) >= 1, dumpAll());
    assert.ok(await d2.waitLine(/IPVS: start backup sync daemon on eth0 \(id 7\)/, CHANGE_MS), dumpAll());
    assert.match(lab.ipvsadm('d1', '-L', '--daemon'), /master sync daemon \(mcast=eth0, syncid=7/);
    assert.match(lab.ipvsadm('d2', '-L', '--daemon'), /backup sync daemon \(mcast=eth0, syncid=7/);
    // An established connection through d1 (to the echo server on r1), with enough packets to be
    // synced (sync_threshold 3) and time for the master's sync buffer to be sent.
    const conn = new EchoConn(VIP, 7000, DR_CLIENT);
    assert.ok(await conn.connected(CHANGE_MS), `echo connection\n${dumpAll()}`);
    for (const w of ['one', 'two', 'three', 'four']) assert.equal(await conn.say(w, 5000), w, dumpAll());
    assert.ok(
      await waitFor(() => new RegExp(`TCP\\s+\\S+\\s+ESTABLISHED\\s+${DR_CLIENT.replaceAll('.', '\\.')}:${conn.localPort}\\s+${VIP.replaceAll('.', '\\.')}:7000\\s+${RS.r1.replaceAll('.', '\\.')}:7000`).test(lab.ipvsadm('d2', '-Lnc')), CHANGE_MS, 500),
      `the connection is not synced to d2:\n${lab.ipvsadm('d2', '-Lnc')}\nd1:\n${lab.ipvsadm('d1', '-Lnc')}\n${dumpAll()}`,
    );

    daemons.get('d1')!.crash();
    await daemons.get('d1')!.waitExit(5000);
    lab.linkSet('d1', false);
    assert.ok(await waitFor(() => state(d2) === 'MASTER' && lab.hasVip('d2', VIP) && lab.hasVip('d2', GW), CHANGE_MS, 100), `d2 MASTER\n${dumpAll()}`);
    assert.ok(await waitServed(DR_URL, CHANGE_MS), `VIP served by d2\n${dumpAll()}`);
    assert.ok(await waitFor(async () => (await get(NAT_URL, 1500, NAT_CLIENT)) !== null, CHANGE_MS, 200), `NAT served by d2\n${dumpAll()}`);
    await assertSpread(DR_URL, ['r1', 'r2', 'r3'], 9, DR_CLIENT);
    await assertSpread(NAT_URL, ['r1', 'r2', 'r3'], 9, NAT_CLIENT);
    assert.ok(await d2.waitLine(/IPVS: start master sync daemon on eth0 \(id 7\)/, CHANGE_MS), dumpAll());
    // The established connection survived the failover: d2 forwards it with the synced entry
    // (without it, d2 would answer the mid-stream segment with a reset).
    assert.equal(await conn.say('after failover', 20_000), 'after failover', `connection lost over the failover\n${lab.ipvsadm('d2', '-Lnc')}\n${dumpAll()}`);
    conn.close();
  });
});
