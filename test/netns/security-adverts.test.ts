// Hostile adverts against real daemons (issue 6, security): a third namespace on the same bridge
// crafts adverts with src/vrrp/packet.ts and sends them from a raw socket. Adverts whose TTL is
// not 255 (RFC 5798 §5.1.1.3 / RFC 3768 §7.1 "MUST verify that the IP TTL is 255"), with a wrong
// PASS password (RFC 2338 §5.3.6.1), or from outside `unicast_peer` are dropped, counted (SIGUSR2
// keepalived.stats, the daemon log) and change no state; the same advert with the right TTL and
// password does preempt (the control that shows the crafted adverts would have mattered).
// The password never appears in logs (-D), SIGUSR1/SIGUSR2 dumps or `check-config --json`.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, Lab, R1, R2, conf, instanceBlock, labSuite, sleep, waitFor, type Daemon } from '../lib/lab.ts';
import { Attacker, ifindexIn, type AdvertSpec } from '../soak/attacker.ts';

const VIP1 = '10.99.0.100';
const VIP2 = '10.99.0.101';
const SECRET = 'Sekr1tPw';
const lab = new Lab('katssec');
const ds: Daemon[] = [];
let attacker: Attacker | undefined;
const dumpAll = () => lab.dumpAll();

function routerConf(priority: number, self: string, peer: string): string {
  return conf(
    instanceBlock({
      name: 'VI_1',
      vrid: 51,
      priority,
      advert: '1',
      version: 2,
      vips: [`${VIP1}/32`],
      extra: ['authentication {', '  auth_type PASS', `  auth_pass ${SECRET}`, '}'],
    }),
    instanceBlock({
      name: 'VI_2',
      vrid: 52,
      priority,
      vips: [`${VIP2}/32`],
      extra: [`unicast_src_ip ${self}`, 'unicast_peer {', `  ${peer}`, '}'],
    }),
  );
}

interface InstStats {
  received: number;
  ttl: number;
  authFailure: number;
  becameMaster: number;
}

/** SIGUSR2 -> keepalived.stats in the daemon's --dump-dir, parsed per instance. */
async function stats(d: Daemon, dir: string): Promise<Record<string, InstStats>> {
  const file = join(dir, 'keepalived.stats');
  rmSync(file, { force: true });
  d.signal('SIGUSR2');
  assert.ok(await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').length > 0, 5000), 'stats dump written');
  const out: Record<string, InstStats> = {};
  let cur: InstStats | undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^VRRP Instance: (\S+)/.exec(line);
    if (m) out[m[1]] = cur = { received: 0, ttl: 0, authFailure: 0, becameMaster: 0 };
    const kv = /^\s+(Received|TTL|Failure|Became master): (\d+)/.exec(line);
    if (cur && kv) {
      const v = Number(kv[2]);
      if (kv[1] === 'Received' && cur.received === 0) cur.received = v; // the first Received: adverts
      if (kv[1] === 'TTL') cur.ttl = v;
      if (kv[1] === 'Failure') cur.authFailure = v;
      if (kv[1] === 'Became master') cur.becameMaster = v;
    }
  }
  return out;
}

const stateLines = (d: Daemon) => d.count(/Entering (MASTER|BACKUP|FAULT) STATE/);

async function sendFor(ms: number, everyMs: number, specs: AdvertSpec[]): Promise<number> {
  let n = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const s of specs) attacker!.send(s);
    n++;
    await sleep(everyMs);
  }
  return n;
}

describe('hostile adverts are dropped, counted and change nothing', () => {
  const dirs = { r1: '', r2: '' };
  const base: AdvertSpec = { version: 2, vrid: 51, priority: 254, vips: [VIP1], advertIntCs: 100, pass: SECRET, src: '10.99.0.9', ttl: 255 };

  labSuite(lab, [R1, R2, { name: 'x', ip4: '10.99.0.9' }], { stopMs: 5000, beforeClose: () => attacker?.close() });
  before(async () => {
    for (const n of ['r1', 'r2'] as const) {
      dirs[n] = join(lab.dir, `dump-${n}`);
      mkdirSync(dirs[n]);
    }
    ds.push(lab.start('r1', routerConf(150, '10.99.0.1', '10.99.0.2'), ['--dump-dir', dirs.r1, '--control-socket', join(dirs.r1, 'control.sock')]));
    ds.push(lab.start('r2', routerConf(100, '10.99.0.2', '10.99.0.1'), ['--dump-dir', dirs.r2, '--control-socket', join(dirs.r2, 'control.sock')]));
    const x = lab.host('x');
    attacker = new Attacker(x.ns, 'eth0', ifindexIn(x.ns, 'eth0'));
    const settled = await waitFor(() => lab.holders(VIP1, ['r1', 'r2']).join() === 'r1' && lab.holders(VIP2, ['r1', 'r2']).join() === 'r1', 15_000);
    assert.ok(settled, dumpAll());
  });

  test('TTL 64, wrong password and non-peer unicast adverts: dropped, counted, no state change', async () => {
    const [r1, r2] = ds;
    const before1 = await stats(r1, dirs.r1);
    const before2 = await stats(r2, dirs.r2);
    const lines1 = stateLines(r1);
    const lines2 = stateLines(r2);
    // Priority 254 so that any of them, if accepted, would make r1 step down.
    const n = await sendFor(3000, 50, [
      { ...base, ttl: 64 },
      { ...base, pass: 'WRONGPW!' },
      { ...base, pass: undefined }, // no authentication at all: an auth type mismatch
      { version: 3, vrid: 52, priority: 254, vips: [VIP2], advertIntCs: 10, src: '10.99.0.9', dst: '10.99.0.1', ttl: 255 },
      { version: 3, vrid: 52, priority: 254, vips: [VIP2], advertIntCs: 10, src: '10.99.0.9', dst: '10.99.0.2', ttl: 255 },
    ]);
    await sleep(300);
    const after1 = await stats(r1, dirs.r1);
    const after2 = await stats(r2, dirs.r2);
    for (const [name, b, a] of [
      ['r1', before1, after1],
      ['r2', before2, after2],
    ] as const) {
      // Every bogus advert reached the daemon and was counted (a few may be lost; most not).
      assert.ok(a.VI_1.ttl - b.VI_1.ttl >= n / 2, `${name} TTL drops ${b.VI_1.ttl} -> ${a.VI_1.ttl} of ${n}`);
      assert.ok(a.VI_1.authFailure - b.VI_1.authFailure >= n / 2, `${name} auth failures ${b.VI_1.authFailure} -> ${a.VI_1.authFailure} of ${n}`);
      assert.equal(a.VI_1.becameMaster, b.VI_1.becameMaster, name);
      assert.equal(a.VI_2.becameMaster, b.VI_2.becameMaster, name);
    }
    // r1 is the master of both: nothing valid came to it (r2 is a silent backup).
    assert.equal(after1.VI_1.received, before1.VI_1.received);
    assert.equal(stateLines(r1), lines1, r1.dump());
    assert.equal(stateLines(r2), lines2, r2.dump());
    for (const d of [r1, r2]) {
      assert.ok(d.count(/\(VI_1\) invalid TTL\/HL from 10\.99\.0\.9/) >= 1, d.dump());
      assert.ok(d.count(/\(VI_1\) received an invalid passwd from 10\.99\.0\.9/) >= 1, d.dump());
      assert.ok(d.count(/\(VI_2\) unicast source address 10\.99\.0\.9 not a unicast peer/) >= 1, d.dump());
    }
    assert.equal(lab.holders(VIP1, ['r1', 'r2']).join(), 'r1');
    assert.equal(lab.holders(VIP2, ['r1', 'r2']).join(), 'r1');
  });

  test('control: the same advert with TTL 255 and the right password does preempt r1', async () => {
    const [r1] = ds;
    const backups = r1.count(/\(VI_1\) Entering BACKUP STATE/);
    // Sent every 0.5 s for 2 s: r1 hears a higher priority and steps down.
    await sendFor(2000, 500, [base]);
    assert.ok(r1.count(/\(VI_1\) Entering BACKUP STATE/) > backups, r1.dump());
    // Silence: the crafted master is gone, r1 takes VIP1 back after master_down_interval.
    assert.ok(await waitFor(() => lab.holders(VIP1, ['r1', 'r2']).join() === 'r1', 10_000), dumpAll());
    assert.equal(lab.holders(VIP2, ['r1', 'r2']).join(), 'r1');
  });

  test('auth_pass never appears in logs (-D), SIGUSR1/SIGUSR2 dumps or check-config --json', async () => {
    const [r1, r2] = ds;
    for (const [d, dir] of [
      [r1, dirs.r1],
      [r2, dirs.r2],
    ] as const) {
      const data = join(dir, 'keepalived.data');
      rmSync(data, { force: true });
      d.signal('SIGUSR1');
      assert.ok(await waitFor(() => existsSync(data) && readFileSync(data, 'utf8').includes('VI_1'), 5000));
      await stats(d, dir);
      assert.ok(!readFileSync(data, 'utf8').includes(SECRET), 'keepalived.data');
      assert.ok(!readFileSync(join(dir, 'keepalived.stats'), 'utf8').includes(SECRET), 'keepalived.stats');
      assert.ok(d.lines.length > 10);
      assert.deepEqual(d.matching(new RegExp(SECRET)), [], 'log lines');
    }
    const file = join(lab.dir, 'check.conf');
    writeFileSync(file, routerConf(150, '10.99.0.1', '10.99.0.2'));
    const r = spawnSync(process.execPath, [BIN, 'check-config', file, '--json', '--no-host-checks'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes('VI_1') && r.stdout.includes('auth_type'), r.stdout);
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), 'check-config --json');
  });
});
