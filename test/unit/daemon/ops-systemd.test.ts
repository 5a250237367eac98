// deploy/systemd/keepalived-ts.service passes `systemd-analyze verify` (with /opt/keepalived-ts
// replaced by this checkout, so the ExecStart binaries exist), and the daemon's sd_notify
// datagrams (READY=1, RELOADING=1, STOPPING=1) reach an AF_UNIX socket as systemd would read them.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { SdNotifier, sockaddrUn } from '../../../src/daemon/sd-notify.ts';
import { nativeAvailable, native } from '../../../src/native/index.ts';
import { SOCK_DGRAM } from '../../../src/native/constants.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'kats-sd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { stdio: 'ignore' }).status === 0;

describe('systemd unit', () => {
  test('systemd-analyze verify accepts the unit', { skip: hasAnalyze ? false : 'needs systemd-analyze' }, () => {
    const unit = readFileSync(join(root, 'deploy/systemd/keepalived-ts.service'), 'utf8');
    assert.match(unit, /^Type=notify$/m);
    assert.match(unit, /^ExecReload=/m);
    assert.match(unit, /^Restart=on-failure$/m);
    const copy = join(dir, 'keepalived-ts.service');
    writeFileSync(copy, unit.replaceAll('/opt/keepalived-ts', root));
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', copy], { encoding: 'utf8', timeout: 60_000 });
    const complaints = `${r.stdout}${r.stderr}`
      .split('\n')
      .filter((l) => l.includes('keepalived-ts.service'));
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.deepEqual(complaints, []);
  });
});

describe('sd_notify', () => {
  test('sockaddr_un: path and abstract names', () => {
    const p = sockaddrUn('/run/systemd/notify');
    assert.equal(p.readUInt16LE(0), 1);
    assert.equal(p.subarray(2).toString(), '/run/systemd/notify\0');
    const a = sockaddrUn('@foo');
    assert.deepEqual([...a], [1, 0, 0, 0x66, 0x6f, 0x6f]);
    assert.throws(() => sockaddrUn('/' + 'x'.repeat(200)), /too long/);
  });

  test('without NOTIFY_SOCKET nothing is sent', () => {
    const n = new SdNotifier('');
    assert.equal(n.enabled, false);
    assert.equal(n.ready(), null);
  });

  test('READY=1, RELOADING=1 and STOPPING=1 arrive as datagrams', { skip: nativeAvailable() ? false : 'needs the native addon' }, () => {
    const nat = native();
    const path = join(dir, 'notify.sock');
    const fd = nat.socket(1, SOCK_DGRAM, 0);
    try {
      nat.bind(fd, sockaddrUn(path));
      const n = new SdNotifier(path);
      assert.equal(n.ready('up'), null);
      assert.equal(n.reloading(), null);
      assert.equal(n.stopping(), null);
      n.close();
      const got: string[] = [];
      for (let i = 0; i < 3; i++) {
        const m = nat.recvmsg(fd, 4096, 0);
        assert.ok(m, 'a datagram is queued');
        got.push(Buffer.from((m as { data: Uint8Array }).data).toString());
      }
      assert.equal(got[0], 'READY=1\nSTATUS=up');
      assert.match(got[1], /^RELOADING=1\nMONOTONIC_USEC=\d+$/);
      assert.equal(got[2], 'STOPPING=1');
    } finally {
      nat.close(fd);
    }
  });
});
