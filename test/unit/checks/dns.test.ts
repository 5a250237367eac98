import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeDns, encodeDnsQuery, decodeDnsHeader, DNS_TYPES } from '../../../checks/dns.ts';
import { udpServer, refusedPort } from './servers.ts';
import { mulberry32, randInt } from '../../fuzz/mutate.ts';

/** A reply to `q`: same id and question, QR set, the given rcode and answer count. */
function reply(q: Buffer, rcode: number, ancount: number): Buffer {
  const r = Buffer.from(q);
  r.writeUInt16BE(0x8180 | rcode, 2);
  r.writeUInt16BE(ancount, 6);
  return r;
}

test('encodes the question like check_dns.c (RD, one question, class IN)', () => {
  const q = encodeDnsQuery(0x1234, 'www.example.com', DNS_TYPES.A);
  assert.equal(q.toString('hex'), '123401000001000000000000' + '03777777076578616d706c6503636f6d00' + '0001' + '0001');
  const root = encodeDnsQuery(1, '.', DNS_TYPES.SOA);
  assert.equal(root.subarray(12).toString('hex'), '0000060001');
  assert.deepEqual(decodeDnsHeader(Buffer.alloc(5)), null);
});

test('a server answering NOERROR is up; the query carries the configured type and name', async () => {
  let question = '';
  const srv = await udpServer((q) => {
    question = q.subarray(12).toString('hex');
    return reply(q, 0, 1);
  });
  try {
    const r = await probeDns({ host: '127.0.0.1', port: srv.port }, { type: 'aaaa', name: 'example.org', timeoutMs: 500 });
    assert.equal(r.ok, true, r.detail);
    assert.equal(question, '076578616d706c65036f726700' + '001c0001');
    // keepalived does not require answers: NOERROR with ANCOUNT 0 is still up
    const srv0 = await udpServer((q) => reply(q, 0, 0));
    try {
      assert.equal((await probeDns({ host: '127.0.0.1', port: srv0.port }, { timeoutMs: 500 })).ok, true);
    } finally {
      await srv0.close();
    }
  } finally {
    await srv.close();
  }
});

test('NXDOMAIN is dns_rcode', async () => {
  const srv = await udpServer((q) => reply(q, 3, 0));
  try {
    const r = await probeDns({ host: '127.0.0.1', port: srv.port }, { name: 'nope.example', type: 'A', timeoutMs: 500 });
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'dns_rcode');
    assert.match(r.detail, /rcode = 3 NXDOMAIN/);
  } finally {
    await srv.close();
  }
});

test('garbage, wrong ids and queries are ignored: malformed when nothing valid came', async () => {
  const srv = await udpServer((q) => {
    const wrongId = reply(q, 0, 1);
    wrongId.writeUInt16BE((q.readUInt16BE(0) + 1) & 0xffff, 0);
    const notReply = Buffer.from(q);
    return [Buffer.from('xx'), wrongId, notReply];
  });
  try {
    const r = await probeDns({ host: '127.0.0.1', port: srv.port }, { timeoutMs: 300 });
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'malformed');
  } finally {
    await srv.close();
  }
});

test('garbage followed by a valid reply is up (as keepalived keeps reading)', async () => {
  const srv = await udpServer((q) => [Buffer.from('garbage!'), reply(q, 0, 1)]);
  try {
    assert.equal((await probeDns({ host: '127.0.0.1', port: srv.port }, { timeoutMs: 500 })).ok, true);
  } finally {
    await srv.close();
  }
});

test('a server that does not answer times out; a closed port is refused', async () => {
  const srv = await udpServer(() => null);
  try {
    const r = await probeDns({ host: '127.0.0.1', port: srv.port }, { timeoutMs: 300 });
    assert.equal(r.reason, 'timeout');
    assert.equal(srv.received, 1);
  } finally {
    await srv.close();
  }
  const port = await refusedPort(); // TCP port number; nothing listens on UDP there either in practice
  const r2 = await probeDns({ host: '127.0.0.1', port }, { timeoutMs: 300 });
  assert.ok(r2.reason === 'refused' || r2.reason === 'timeout', r2.reason);
});

test('DNS answer decoder, fixed-seed fuzz sample: 20k random and mutated answers end in a header or null, never an exception', () => {
  const rnd = mulberry32(7);
  const seed = reply(encodeDnsQuery(0xabcd, 'example.com', DNS_TYPES.A), 0, 1);
  let headers = 0;
  for (let i = 0; i < 20_000; i++) {
    let b: Buffer;
    if (i % 2 === 0) {
      b = Buffer.alloc(randInt(rnd, 40));
      for (let j = 0; j < b.length; j++) b[j] = randInt(rnd, 256);
    } else {
      b = Buffer.from(seed.subarray(0, randInt(rnd, seed.length + 1)));
      for (let k = randInt(rnd, 4); k > 0 && b.length > 0; k--) b[randInt(rnd, b.length)] ^= 1 << randInt(rnd, 8);
    }
    const h = decodeDnsHeader(b);
    if (b.length < 12) assert.equal(h, null, `${b.length} bytes are no header`);
    else {
      assert.ok(h, 'a 12-byte header decodes');
      assert.ok(h.rcode >= 0 && h.rcode <= 15 && h.opcode >= 0 && h.opcode <= 15);
      assert.equal(h.id, b.readUInt16BE(0));
      headers++;
    }
  }
  assert.ok(headers > 5_000, `only ${headers} inputs long enough for a header`);
});
