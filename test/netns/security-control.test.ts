// The daemon's own surfaces (issue 6, security): the control socket is root-only (its directory
// 0700, the socket 0600, an unprivileged user is refused), the Prometheus endpoint binds to
// loopback unless an address is given, and neither `status --json` nor /metrics carries auth_pass.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, Lab, R1, conf, instanceBlock, labSuite, sh, type Daemon } from '../lib/lab.ts';

const SECRET = 'Ctl5ecrt';
const PORT = 19464;
const lab = new Lab('katsctl');
let d: Daemon;
// A world-traversable parent, so the refusal below comes from the daemon's own modes.
const parent = mkdtempSync(join(tmpdir(), 'katsctl-sock-'));
const sock = join(parent, 'run', 'control.sock');

describe('control socket and metrics', () => {
  labSuite(lab, [R1], { stopMs: 5000, beforeClose: () => rmSync(parent, { recursive: true, force: true }) });
  before(async () => {
    chmodSync(parent, 0o755);
    d = lab.start(
      'r1',
      conf(instanceBlock({ priority: 150, version: 2, advert: '1', extra: ['authentication {', '  auth_type PASS', `  auth_pass ${SECRET}`, '}'] })),
      ['--control-socket', sock, '--metrics', String(PORT)],
    );
    assert.ok(await d.waitLine(/\(VI_1\) Entering MASTER STATE/, 15_000), d.dump());
  });

  test('the control socket is root-only: 0700 directory, 0600 socket, nobody is refused', () => {
    const dir = statSync(join(parent, 'run'));
    const s = statSync(sock);
    assert.ok(s.isSocket());
    assert.equal(dir.mode & 0o777, 0o700);
    assert.equal(s.mode & 0o777, 0o600);
    assert.equal(s.uid, 0);
    const code = `require('net').connect(process.argv[1]).on('connect', () => { console.log('CONNECTED'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(1); });`;
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', code, sock], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.stdout.trim(), 'EACCES', r.stdout + r.stderr);
    // root can: status over the socket, without the password.
    const st = spawnSync(process.execPath, [BIN, 'status', '--json', '--socket', sock], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(st.status, 0, st.stderr);
    assert.ok(st.stdout.includes('VI_1'), st.stdout);
    assert.ok(!st.stdout.includes(SECRET), 'status --json');
  });

  test('--metrics PORT listens on loopback only, and /metrics has no password', () => {
    const ns = lab.host('r1').ns;
    const listen = sh('ip', ['netns', 'exec', ns, 'ss', '-ltnH']);
    const mine = listen.split('\n').filter((l) => l.includes(`:${PORT}`));
    assert.equal(mine.length, 1, listen);
    assert.match(mine[0], new RegExp(`\\s127\\.0\\.0\\.1:${PORT}\\s`), listen);
    const get = `fetch('http://127.0.0.1:${PORT}/metrics').then(async (r) => { console.log(await r.text()); }, (e) => { console.error(e.message); process.exit(1); });`;
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', get], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.length > 100 && r.stdout.includes('VI_1'), r.stdout.slice(0, 500));
    assert.ok(!r.stdout.includes(SECRET), '/metrics');
    // Not reachable on the host's address from outside loopback.
    const ext = `fetch('http://10.99.0.1:${PORT}/metrics').then(() => console.log('OPEN'), () => console.log('CLOSED'));`;
    const e = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', ext], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(e.stdout.trim(), 'CLOSED');
  });
});
