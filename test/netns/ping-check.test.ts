// PING_CHECK against real kernels: echo replies on loopback (IPv4 and IPv6), a timeout for an
// address nobody holds on a veth link in a namespace of ours, and the unreachable case when the
// namespace has no route at all. Raw ICMP sockets need root.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { probePing, encodeEcho, decodeEchoReply } from '../../checks/ping.ts';
import { internetChecksum } from '../../src/vrrp/checksum.ts';

const NS = `kats-ping-${process.pid}`;
const NS2 = `kats-ping2-${process.pid}`;

before(() => {
  execFileSync('ip', ['netns', 'add', NS]);
  execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  // A veth pair inside the namespace: the far end has no address, so nothing answers for .2.
  execFileSync('ip', ['-n', NS, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  execFileSync('ip', ['-n', NS, 'addr', 'add', '10.200.0.1/24', 'dev', 'v0']);
  execFileSync('ip', ['-n', NS, 'link', 'set', 'v0', 'up']);
  execFileSync('ip', ['-n', NS, 'link', 'set', 'v1', 'up']);
  execFileSync('ip', ['netns', 'add', NS2]);
});

after(() => {
  spawnSync('ip', ['netns', 'del', NS]);
  spawnSync('ip', ['netns', 'del', NS2]);
});

test('echo request bytes: type, id, seq and a checksum that sums to zero', () => {
  const b = encodeEcho(4, 0x1234, 7, Buffer.from('x'));
  assert.deepEqual([b[0], b.readUInt16BE(4), b.readUInt16BE(6)], [8, 0x1234, 7]);
  assert.equal(internetChecksum(b), 0);
  assert.equal(encodeEcho(6, 1, 2, Buffer.alloc(0))[0], 128);
  assert.equal(decodeEchoReply(4, Buffer.from([0x45])), null);
});

test('an address that answers is up (IPv4 and IPv6 loopback)', async () => {
  const v4 = await probePing({ host: '127.0.0.1' }, { timeoutMs: 1000, netns: NS });
  assert.deepEqual([v4.ok, v4.reason], [true, 'ok']);
  const v6 = await probePing({ host: '::1' }, { timeoutMs: 1000, netns: NS });
  assert.deepEqual([v6.ok, v6.reason], [true, 'ok']);
});

test('an address nobody holds times out; no route is unreachable; neither throws', async () => {
  const silent = await probePing({ host: '10.200.0.2' }, { timeoutMs: 300, netns: NS });
  assert.deepEqual([silent.ok, silent.reason], [false, 'timeout']);
  const noRoute = await probePing({ host: '10.201.0.2' }, { timeoutMs: 300, netns: NS2 });
  assert.equal(noRoute.ok, false);
  assert.ok(['unreachable', 'error'].includes(noRoute.reason), noRoute.reason + ' ' + noRoute.detail);
});

test('an aborted probe ends with the abort reason', async () => {
  const ac = new AbortController();
  const p = probePing({ host: '10.200.0.2' }, { timeoutMs: 5000, netns: NS }, ac.signal);
  ac.abort();
  const r = await p;
  assert.equal(r.ok, false);
  assert.notEqual(r.reason, 'timeout');
});
