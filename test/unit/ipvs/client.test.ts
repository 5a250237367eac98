// IpvsClient over a fake transport: what it sends (family id, dump flag, payload bytes), how it
// decodes replies, and how kernel refusals become IpvsErrors per operation. The real kernel is
// exercised by the VM tier (test/vm/guest/ipvs.guest.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpvsClient, IpvsError } from '../../../src/ipvs/client.ts';
import type { IpvsTransport } from '../../../src/ipvs/client.ts';
import { NetlinkError } from '../../../src/netlink/errors.ts';
import { NLM_F_DUMP } from '../../../src/netlink/message.ts';
import type { NlMessage } from '../../../src/netlink/message.ts';
import type { NlRequest, NlResult } from '../../../src/netlink/socket.ts';
import { golden } from './hex.ts';

const FAMILY = 33;

interface Sent {
  type: number;
  flags: number;
  cmd: number;
}

/** Answers by genl command: a list of reply payloads, or an errno name to refuse with. */
function fakeTransport(answers: Record<number, Buffer[] | { errno: number; extack?: string }>, sent: Sent[]): IpvsTransport {
  const answer = (req: NlRequest): NlResult => {
    sent.push({ type: req.type, flags: req.flags, cmd: req.payload[0] });
    const a = answers[req.payload[0]] ?? [];
    if (!Array.isArray(a)) return { ok: false, error: new NetlinkError({ errno: a.errno, extack: a.extack, requestType: req.type }) };
    const msgs: NlMessage[] = a.map((payload, i) => ({ length: 16 + payload.length, type: FAMILY, flags: 0, seq: i, pid: 0, payload }));
    return { ok: true, messages: msgs };
  };
  return {
    request: async (type: number, flags: number, payload: Buffer) => {
      const r = answer({ type, flags, payload });
      if (!r.ok) throw r.error;
      return r.messages;
    },
    requestMany: async (batch: NlRequest[]) => batch.map(answer),
    close: () => {},
  };
}

const svc = { af: 'inet' as const, protocol: 'tcp' as const, address: '10.0.0.1', port: 80 };
const full = { ...svc, scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 32 };
const dest = { address: '10.0.0.2', port: 80, fwd: 'masq' as const, weight: 1, upperThreshold: 0, lowerThreshold: 0 };

test('dumps go out with NLM_F_DUMP to the resolved family and decode every part', async () => {
  const sent: Sent[] = [];
  const c = IpvsClient.fromTransport(fakeTransport({ 4: [golden('reply-service-tcp4.hex'), golden('reply-service-pad.hex')], 8: [golden('reply-dest.hex')] }, sent), FAMILY);
  const t = await c.getTable();
  assert.equal(t.services.length, 2);
  assert.equal(t.services[0].service.address, '10.0.0.1');
  assert.equal(t.services[1].service.fwmark, 7);
  assert.equal(t.services[0].dests[0].weight, 70000);
  assert.deepEqual(sent, [
    { type: FAMILY, flags: NLM_F_DUMP, cmd: 4 },
    { type: FAMILY, flags: NLM_F_DUMP, cmd: 8 },
    { type: FAMILY, flags: NLM_F_DUMP, cmd: 8 },
  ]);
});

test('info, timeouts and daemons decode their replies', async () => {
  const c = IpvsClient.fromTransport(fakeTransport({ 15: [golden('reply-info.hex')], 13: [golden('reply-config.hex')], 11: [golden('reply-daemon.hex')] }, []), FAMILY);
  assert.equal((await c.getInfo()).connTabSize, 4096);
  assert.equal((await c.getTimeouts()).tcp, 900);
  assert.equal((await c.getDaemons())[0].mcastIfn, 'eth1');
});

test('kernel refusals become IpvsError with the errno code and a meaning for the operation', async () => {
  const c = IpvsClient.fromTransport(
    fakeTransport({ 3: { errno: 3 }, 7: { errno: 2 }, 1: { errno: 17 }, 5: { errno: 22, extack: 'bad thing' } }, []),
    FAMILY,
  );
  await assert.rejects(c.delService(svc), (e: unknown) => {
    assert.ok(e instanceof IpvsError && e instanceof NetlinkError);
    assert.equal(e.code, 'ESRCH');
    assert.equal(e.op, 'DEL_SERVICE');
    assert.equal(e.message, 'IPVS DEL_SERVICE TCP 10.0.0.1:80: no such service (ESRCH)');
    return true;
  });
  await assert.rejects(c.delDest(svc, dest), /DEL_DEST TCP 10\.0\.0\.1:80 -> 10\.0\.0\.2:80: no such destination \(ENOENT\)/);
  await assert.rejects(c.newService(full), /service already exists \(EEXIST\)/);
  await assert.rejects(c.newDest(svc, dest), (e: unknown) => {
    assert.ok(e instanceof IpvsError);
    assert.equal(e.code, 'EINVAL');
    assert.equal(e.extack, 'bad thing');
    assert.match(e.message, /invalid argument \(EINVAL\) \(bad thing\)/);
    return true;
  });
});

test('apply: one result per op, in order; encode errors never reach the kernel; failures do not stop the rest', async () => {
  const sent: Sent[] = [];
  const c = IpvsClient.fromTransport(fakeTransport({ 7: { errno: 2 } }, sent), FAMILY);
  const res = await c.apply([
    { kind: 'new-service', service: full },
    { kind: 'new-dest', service: svc, dest: { ...dest, address: 'bogus' } },
    { kind: 'del-dest', service: svc, dest },
    { kind: 'set-dest', service: svc, dest: { ...dest, weight: 9 } },
  ]);
  assert.deepEqual(
    res.map((r) => r.error?.code),
    [undefined, 'ERR_IPVS_ADDRESS', 'ENOENT', undefined],
  );
  assert.deepEqual(sent.map((s) => s.cmd), [1, 7, 6]);
  assert.ok(sent.every((s) => s.flags === 0 && s.type === FAMILY));
  assert.deepEqual(await c.apply([]), []);
});

test('getTableOf reads just the services named, leaving out those the kernel does not have (ESRCH)', async () => {
  const sent: Sent[] = [];
  const inner = fakeTransport({ 4: [golden('reply-service-tcp4.hex')], 8: [golden('reply-dest.hex')] }, sent);
  // GET_SERVICE answers for 10.0.0.1 only; any other service is refused as the kernel does.
  const transport: IpvsTransport = {
    ...inner,
    request: async (type, flags, payload) => {
      if (payload[0] === 4 && !payload.includes(Buffer.from([10, 0, 0, 1]))) throw new NetlinkError({ errno: 3, requestType: type });
      return inner.request(type, flags, payload);
    },
  };
  const c = IpvsClient.fromTransport(transport, FAMILY);
  const t = await c.getTableOf([svc, { ...svc, address: '10.0.0.9' }], { stats: false });
  assert.deepEqual(t.services.map((s) => s.service.address), ['10.0.0.1']);
  assert.equal(t.services[0].dests[0].weight, 70000);
  // One GET_SERVICE (not a dump) and one destination dump for the service present.
  assert.deepEqual(sent, [
    { type: FAMILY, flags: 0, cmd: 4 },
    { type: FAMILY, flags: NLM_F_DUMP, cmd: 8 },
  ]);
  // Any other refusal is an error of the read.
  const denied = IpvsClient.fromTransport({ ...inner, request: async (type) => Promise.reject(new NetlinkError({ errno: 1, requestType: type })) }, FAMILY);
  await assert.rejects(denied.getTableOf([svc]), (e: unknown) => e instanceof IpvsError && e.code === 'EPERM');
});
