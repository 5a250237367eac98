// IPv6 counterpart of security-adverts: VRRPv3 adverts to ff02::12 with a hop limit other than
// 255 (RFC 5798 §5.1.2.3 "The Hop Limit MUST be set to 255"; §7.1 "MUST verify that the IPv6 Hop
// Limit is 255") are dropped, counted (SIGUSR2 "TTL:") and change no state; the same advert with
// hop limit 255 preempts the master (the control).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AF_INET6, IPPROTO_IPV6, IPPROTO_VRRP, IPV6_MULTICAST_HOPS, IPV6_MULTICAST_IF, IPV6_MULTICAST_LOOP, SOCK_RAW } from '../../src/native/constants.ts';
import { sockaddrIn6 } from '../../src/native/sockaddr.ts';
import { RawSocket } from '../../src/native/socket.ts';
import { ip as ipBytes } from '../../src/vrrp/addr.ts';
import { encodeAdvert, VRRP_MCAST_V6 } from '../../src/vrrp/packet.ts';
import { Lab, R1, R2, conf, instanceBlock, labSuite, sleep, waitFor, type Daemon } from '../lib/lab.ts';
import { ifindexIn } from '../soak/attacker.ts';

const VIP6 = '2001:db8:99::100';
const lab = new Lab('katsse6');
const ds: Daemon[] = [];
let sock: RawSocket | undefined;
const dumpAll = () => lab.dumpAll();

async function ttlDrops(d: Daemon, dir: string): Promise<number> {
  const file = join(dir, 'keepalived.stats');
  rmSync(file, { force: true });
  d.signal('SIGUSR2');
  assert.ok(await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').length > 0, 5000));
  return Number(/^\s+TTL: (\d+)/m.exec(readFileSync(file, 'utf8'))?.[1] ?? -1);
}

describe('IPv6 adverts with a hop limit other than 255', () => {
  const dirs: string[] = [];
  let ifindex = 0;
  let src = '';

  labSuite(lab, [R1, R2, { name: 'x', ip4: '10.99.0.9', ip6: '2001:db8:99::9' }], { ipv6: true, stopMs: 5000, beforeClose: () => sock?.close() });
  before(async () => {
    for (const n of ['r1', 'r2']) {
      dirs.push(join(lab.dir, `dump-${n}`));
      mkdirSync(dirs[dirs.length - 1]);
    }
    ds.push(lab.start('r1', conf(instanceBlock({ priority: 150, vips: [`${VIP6}/64`] })), ['--dump-dir', dirs[0], '--control-socket', join(dirs[0], 'control.sock')]));
    ds.push(lab.start('r2', conf(instanceBlock({ priority: 100, vips: [`${VIP6}/64`] })), ['--dump-dir', dirs[1], '--control-socket', join(dirs[1], 'control.sock')]));
    const x = lab.host('x');
    ifindex = ifindexIn(x.ns, 'eth0');
    assert.ok(await waitFor(() => lab.addrs('x').some((a) => a.family === 'inet6' && a.scope === 'link'), 5000));
    src = lab.addrs('x').find((a) => a.family === 'inet6' && a.scope === 'link')!.local;
    sock = RawSocket.open(AF_INET6, SOCK_RAW, IPPROTO_VRRP, { netns: x.ns });
    sock.bindToDevice('eth0');
    sock.setOption(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
    sock.setOption(IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex);
    assert.ok(await waitFor(() => lab.holders(VIP6, ['r1', 'r2']).join() === 'r1', 15_000), dumpAll());
    await sleep(500);
  });

  const advert = () =>
    encodeAdvert({ version: 3, vrid: 51, priority: 254, family: 6, addrs: [ipBytes(VIP6)], advertIntCs: 10, src: ipBytes(src), dst: ipBytes(VRRP_MCAST_V6) });
  const send = async (hops: number, ms: number) => {
    sock!.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, hops);
    let n = 0;
    for (const end = Date.now() + ms; Date.now() < end; n++) {
      sock!.send(advert(), sockaddrIn6(ipBytes(VRRP_MCAST_V6), 0, ifindex));
      await sleep(50);
    }
    return n;
  };

  test('hop limit 64: dropped and counted by both, no state change', async () => {
    const [r1, r2] = ds;
    const b1 = await ttlDrops(r1, dirs[0]);
    const b2 = await ttlDrops(r2, dirs[1]);
    const states = ds.map((d) => d.count(/Entering \w+ STATE/));
    const n = await send(64, 2000);
    await sleep(200);
    assert.ok((await ttlDrops(r1, dirs[0])) - b1 >= n / 2, r1.dump());
    assert.ok((await ttlDrops(r2, dirs[1])) - b2 >= n / 2, r2.dump());
    assert.deepEqual(
      ds.map((d) => d.count(/Entering \w+ STATE/)),
      states,
      dumpAll(),
    );
    assert.ok(r1.count(/\(VI_1\) invalid TTL\/HL from fe80::.* Received 64 and expect 255/) >= 1, r1.dump());
    assert.equal(lab.holders(VIP6, ['r1', 'r2']).join(), 'r1');
  });

  test('control: hop limit 255 preempts r1, which takes the VIP back once the adverts stop', async () => {
    const r1 = ds[0];
    const backups = r1.count(/Entering BACKUP STATE/);
    await send(255, 1000);
    assert.ok(r1.count(/Entering BACKUP STATE/) > backups, r1.dump());
    assert.ok(await waitFor(() => lab.holders(VIP6, ['r1', 'r2']).join() === 'r1', 10_000), dumpAll());
  });
});
