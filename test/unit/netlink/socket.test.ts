// NetlinkSocket against the running kernel with read-only requests (no root needed): dumps,
// single requests, typed errors, pipelining, concurrency of dumps, close semantics.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NETLINK_GENERIC, NETLINK_ROUTE } from '../../../src/native/constants.ts';
import { nativeAvailable } from '../../../src/native/index.ts';
import { resolveFamily } from '../../../src/netlink/genl.ts';
import { NLM_F_DUMP } from '../../../src/netlink/message.ts';
import { encodeGetLink, encodeGetLinks, RTM_GETLINK, RTM_NEWLINK } from '../../../src/netlink/route-link.ts';
import { NetlinkError, NetlinkSocket } from '../../../src/netlink/socket.ts';

const ci = process.env.CI === 'true' || process.env.CI === '1';
const skip = !nativeAvailable() && !ci ? 'native addon not built (npx node-gyp rebuild -C src/native)' : false;

describe('NetlinkSocket on the real kernel', { skip }, () => {
  let rt: NetlinkSocket;
  before(() => {
    rt = NetlinkSocket.open(NETLINK_ROUTE);
  });
  after(() => rt?.close());

  it('has a port id', () => {
    assert.ok(rt.portId > 0);
  });

  it('a dump resolves with every message up to NLMSG_DONE', async () => {
    const msgs = await rt.request(RTM_GETLINK, NLM_F_DUMP, encodeGetLinks());
    assert.ok(msgs.length >= 1);
    assert.ok(msgs.every((m) => m.type === RTM_NEWLINK));
  });

  it('a get resolves with its reply; a failure rejects with a typed NetlinkError', async () => {
    const [lo] = await rt.request(RTM_GETLINK, 0, encodeGetLink(1));
    assert.equal(lo.type, RTM_NEWLINK);
    await assert.rejects(rt.request(RTM_GETLINK, 0, encodeGetLink('kats-nosuch0')), (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, 'ENODEV');
      assert.equal(e.errno, 19);
      assert.equal(e.requestType, RTM_GETLINK);
      return true;
    });
  });

  it('many concurrent dumps and gets all settle, dumps serialized', async () => {
    const jobs = [];
    for (let i = 0; i < 20; i++) {
      jobs.push(rt.request(RTM_GETLINK, NLM_F_DUMP, encodeGetLinks()).then((m) => m.length));
      jobs.push(rt.request(RTM_GETLINK, 0, encodeGetLink(1)).then((m) => m.length));
    }
    const lens = await Promise.all(jobs);
    assert.ok(lens.every((n) => n >= 1));
  });

  it('requestMany gives one result per request, failures included', async () => {
    const res = await rt.requestMany([
      { type: RTM_GETLINK, flags: 0, payload: encodeGetLink(1) },
      { type: RTM_GETLINK, flags: 0, payload: encodeGetLink('kats-nosuch1') },
      { type: RTM_GETLINK, flags: NLM_F_DUMP, payload: encodeGetLinks() },
    ]);
    assert.deepEqual(res.map((r) => r.ok), [true, false, true]);
    assert.equal(!res[1].ok && (res[1].error as NetlinkError).code, 'ENODEV');
  });

  it('a malformed request payload is rejected by the kernel, not a crash', async () => {
    await assert.rejects(rt.request(RTM_GETLINK, 0, Buffer.from([1, 2])), (e: unknown) => e instanceof NetlinkError && e.code === 'EINVAL');
  });

  it('resolves generic netlink families; unknown ones are ENOENT', async () => {
    const g = NetlinkSocket.open(NETLINK_GENERIC);
    try {
      const f = await resolveFamily(g, 'nlctrl');
      assert.equal(f.id, 0x10);
      await assert.rejects(resolveFamily(g, 'katsnofam'), (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT');
    } finally {
      g.close();
    }
  });

  it('close rejects pending and later requests with ERR_SOCKET_CLOSED', async () => {
    const s = NetlinkSocket.open(NETLINK_ROUTE);
    s.close();
    s.close();
    assert.equal(s.closed, true);
    await assert.rejects(s.request(RTM_GETLINK, NLM_F_DUMP, encodeGetLinks()), (e: unknown) => e instanceof NetlinkError && e.code === 'ERR_SOCKET_CLOSED');
    assert.throws(() => s.addMembership(1), (e: unknown) => e instanceof NetlinkError && e.code === 'ERR_SOCKET_CLOSED');
  });

  it('an unsupported protocol fails to open with the errno name', () => {
    assert.throws(() => NetlinkSocket.open(31), (e: unknown) => e instanceof NetlinkError && e.code === 'EPROTONOSUPPORT');
  });

  it('an idle socket does not keep the process alive (the test runner would hang otherwise)', () => {
    assert.ok(true);
  });
});
