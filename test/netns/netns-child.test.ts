// The child-process way of running code in a namespace (test/lib/netns.ts runNode), as the
// daemon runs in the multi-router tests: the child sees the namespace's links and not the host's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readlinkSync } from 'node:fs';
import { inNetns } from '../../src/native/netns.ts';
import { Rtnetlink } from '../../src/netlink/rtnetlink.ts';
import { NetnsLab, netnsBlocker, runNode } from '../lib/netns.ts';

const blocker = netnsBlocker();

describe('running a Node script inside a namespace', { skip: blocker ?? false }, () => {
  const lab = new NetnsLab('ch');
  let ns = '';
  let dev = '';
  before(() => {
    ns = lab.ns('a');
    const peer = lab.ns('b');
    dev = lab.ifname('c');
    lab.veth(ns, dev, peer, lab.ifname('d'));
  });
  after(() => lab.cleanup());

  it('sees exactly the namespace links', async () => {
    const r = await runNode(ns, join(import.meta.dirname, 'child-list-links.ts'));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).sort(), [dev, 'lo'].sort());
  });

  it('in-process: inNetns switches for socket creation only and always switches back', async () => {
    const home = readlinkSync('/proc/thread-self/ns/net');
    const inside = inNetns(ns, () => readlinkSync('/proc/thread-self/ns/net'));
    assert.notEqual(inside, home);
    assert.equal(readlinkSync('/proc/thread-self/ns/net'), home);
    assert.throws(() => inNetns(ns, () => {
      throw new Error('boom');
    }), /boom/);
    assert.equal(readlinkSync('/proc/thread-self/ns/net'), home);
    assert.throws(() => inNetns('kats-no-such-ns', () => 1), /ENOENT/);
    assert.throws(() => inNetns('../etc', () => 1), TypeError);
    assert.equal(readlinkSync('/proc/thread-self/ns/net'), home);
    // A socket opened inside keeps the namespace: it lists the namespace's links, not ours.
    const rt = Rtnetlink.open({ netns: ns });
    try {
      assert.deepEqual((await rt.links()).map((l) => l.name).sort(), [dev, 'lo'].sort());
    } finally {
      rt.close();
    }
  });
});
