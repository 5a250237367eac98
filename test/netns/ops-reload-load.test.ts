// A reload under load: a client in its own namespace requests http://VIP/ every 10 ms while the
// master is reloaded with an unchanged, a changed and a broken configuration, and with the
// systemd notify protocol on: no request is lost, the VIP never leaves the master (no flap, no new
// election), and the daemon tells systemd RELOADING=1 / READY=1 around every reload and STOPPING=1
// at the end.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Lab, R1, R2, conf, instanceBlock, labSuite, sleep, waitFor, type Daemon } from '../lib/lab.ts';
import { native, nativeAvailable } from '../../src/native/index.ts';
import { SOCK_DGRAM } from '../../src/native/constants.ts';
import { sockaddrUn } from '../../src/daemon/sd-notify.ts';

const VIP = '10.99.0.100';
const lab = new Lab('katsrll');
let notifyFd = -1;
let client: ChildProcess | null = null;

const base = (p: number) => instanceBlock({ name: 'VI_1', vrid: 51, priority: p, advert: '0.2' });
const second = (p: number) => instanceBlock({ name: 'VI_2', vrid: 52, priority: p, advert: '0.2', vips: ['10.99.0.101/32'] });

function drainNotify(): string[] {
  const out: string[] = [];
  for (;;) {
    const m = native().recvmsg(notifyFd, 4096, 0);
    if (!m) return out;
    out.push(Buffer.from(m.data).toString());
  }
}

describe('reload under load', { skip: nativeAvailable() ? false : 'needs the native addon' }, () => {
  const results: { ok: boolean; t: number; error?: string }[] = [];
  let d1: Daemon;
  let d2: Daemon;
  labSuite(lab, [R1, R2, { name: 'c1', ip4: '10.99.0.3' }], {
    stopMs: 5000,
    beforeClose: () => {
      client?.stdin?.end();
      client?.kill('SIGKILL');
      if (notifyFd >= 0) native().close(notifyFd);
    },
  });

  test('no request lost, no VIP flap, RELOADING/READY around each reload', async () => {
    const notifyPath = join(lab.dir, 'notify.sock');
    notifyFd = native().socket(1, SOCK_DGRAM, 0);
    native().bind(notifyFd, sockaddrUn(notifyPath));
    const web = join(import.meta.dirname, '../../deploy/lab/web.ts');
    lab.spawnIn('r1', process.execPath, [web, 'r1', '80']);
    lab.spawnIn('r2', process.execPath, [web, 'r2', '80']);
    d1 = lab.start('r1', conf(base(150)), [], { NOTIFY_SOCKET: notifyPath });
    d2 = lab.start('r2', conf(base(100)));
    assert.ok(await d1.waitLine(/\(VI_1\) Entering MASTER STATE/, 10_000), d1.dump());
    assert.ok(await waitFor(() => drainNotify().some((m) => m.startsWith('READY=1')), 5000), 'READY=1 at start');

    // The client stops when its stdin closes: keep a pipe open (closed in after()).
    client = spawn('ip', ['netns', 'exec', lab.host('c1').ns, process.execPath, join(import.meta.dirname, '../../deploy/lab/client.ts'), VIP, '10'], { stdio: ['pipe', 'pipe', 'ignore'] });
    createInterface({ input: client.stdout! }).on('line', (l) => {
      try {
        results.push(JSON.parse(l));
      } catch {
        // partial line
      }
    });
    assert.ok(await waitFor(() => results.filter((r) => r.ok).length > 20, 10_000), `the client is served: ${JSON.stringify(results.slice(-3))}`);
    const from = results.length;
    // Settled before the load window: r1 holds the VIP, r2 is BACKUP (a start-up election is not
    // what this test is about).
    assert.ok(await waitFor(() => lab.hasVip('r1', VIP) && !lab.hasVip('r2', VIP) && d2.count(/\(VI_1\) Entering BACKUP STATE/) > 0, 5000), d2.dump());
    const masters = d1.count(/Entering MASTER STATE/);
    const r2Masters = d2.count(/\(VI_1\) Entering MASTER STATE/);
    let vipLost = false;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        if (!lab.hasVip('r1', VIP) || lab.hasVip('r2', VIP)) vipLost = true;
        await sleep(20);
      }
    })();

    const reloadWith = async (text: string, expect: RegExp): Promise<string[]> => {
      writeFileSync(d1.conf, text);
      const n = d1.count(expect);
      d1.signal('SIGHUP');
      assert.ok(await waitFor(() => d1.count(expect) > n, 8000), d1.dump());
      const msgs: string[] = [];
      assert.ok(await waitFor(() => (msgs.push(...drainNotify()), msgs.some((m) => m.startsWith('READY=1'))), 5000), `READY=1 after reload: ${msgs.join(' | ')}`);
      assert.match(msgs[0], /^RELOADING=1\nMONOTONIC_USEC=\d+/);
      await sleep(1000);
      return msgs;
    };
    await reloadWith(conf(base(150)), /Reload done/); // unchanged
    await reloadWith(conf(base(150), second(150)), /Reload done/); // changed: an instance added
    await reloadWith(conf(base(150), second(120)), /Reload done/); // changed: its priority
    await reloadWith('vrrp_instance VI_1 {\n  virtual_router_id 300\n}\nnot keepalived at all\n', /Reload failed/); // broken
    await reloadWith(conf(base(150), second(120)), /Reload done/); // and back
    watching = false;
    await watcher;

    const during = results.slice(from);
    const failed = during.filter((r) => !r.ok);
    assert.ok(during.length > 200, `requests made during the reloads: ${during.length}`);
    assert.deepEqual(failed, [], `lost requests: ${failed.length} of ${during.length}`);
    assert.equal(vipLost, false, 'the VIP stayed on r1 only');
    assert.equal(d1.count(/\(VI_1\) Entering MASTER STATE/), masters, 'no new election of VI_1');
    assert.equal(d2.count(/\(VI_1\) Entering MASTER STATE/), r2Masters, d2.dump());

    d1.signal('SIGTERM');
    assert.ok(await d1.waitExit(8000), d1.dump());
    assert.ok(drainNotify().includes('STOPPING=1'), 'STOPPING=1 on SIGTERM');
  });
});
