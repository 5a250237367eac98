// Route, rule and macvlan codecs against iproute2 and the kernel: our RTM_NEWROUTE / RTM_DELROUTE,
// RTM_NEWRULE / RTM_DELRULE and RTM_NEWLINK (macvlan) requests compared byte for byte with what
// `ip route|rule|link ...` sent for the same command (strace captures in test/golden/netlink,
// an independent oracle), and the kernel's own dump replies decoded into what `ip` printed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AF_INET, AF_INET6 } from '../../../src/native/constants.ts';
import { decodeMessages, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NetlinkDecodeError } from '../../../src/netlink/message.ts';
import {
  decodeRoute, encodeRoute, formatRoute, routeSpecOf, RTM_DELROUTE, RTM_NEWROUTE, RTN_BLACKHOLE, RTN_UNICAST, RTN_UNREACHABLE,
} from '../../../src/netlink/route-route.ts';
import type { RouteSpec } from '../../../src/netlink/route-route.ts';
import { decodeRule, encodeRule, FR_ACT_TO_TBL, ruleSpecOf, RTM_DELRULE, RTM_NEWRULE } from '../../../src/netlink/route-rule.ts';
import { decodeMacvlanInfo, encodeDelLink, encodeNewMacvlan, MACVLAN_MODE_PRIVATE } from '../../../src/netlink/route-link-macvlan.ts';
import { RTM_NEWLINK, decodeLink, parseMac } from '../../../src/netlink/route-link.ts';
import { RT_SCOPE_LINK } from '../../../src/netlink/route-addr.ts';
import { formatIp, ip } from '../../../src/vrrp/addr.ts';
import { readdirSync } from 'node:fs';
import { GOLDEN_DIR, loadGolden, prng } from './golden.ts';

const ADD = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
const DEL = NLM_F_REQUEST | NLM_F_ACK;

/** iproute2's one request in a capture: type, flags and payload must equal ours exactly. */
function assertIproute2(name: string, type: number, flags: number, ours: Buffer): number {
  const g = loadGolden(name);
  const msgs = decodeMessages(g.bytes);
  assert.equal(msgs.length, 1);
  assert.equal(msgs[0].type, type, `${name}: type`);
  assert.equal(msgs[0].flags, flags, `${name}: flags`);
  assert.equal(ours.toString('hex'), msgs[0].payload.toString('hex'), `${name}: ${g.meta.cmd}`);
  return Number(g.meta.ifindex);
}

const v4 = (dst: string, len: number, more: Partial<RouteSpec> = {}): RouteSpec => ({ family: AF_INET, dst: ip(dst), dstLen: len, protocol: 112, ...more });

describe('routes: byte-identical to ip route', () => {
  it('via + metric + table < 256 (table in the header)', () => {
    const r = v4('10.1.0.0', 24, { gateway: ip('10.0.0.1'), oif: 3, table: 100, metric: 5 });
    assertIproute2('ip-route-add-v4-via.hex', RTM_NEWROUTE, ADD, encodeRoute(r));
  });
  it('delete: scope nowhere and type unspec, as ip route del', () => {
    const r = v4('10.1.0.0', 24, { gateway: ip('10.0.0.1'), oif: 3, table: 100, metric: 5 });
    assertIproute2('ip-route-del-v4-via.hex', RTM_DELROUTE, DEL, encodeRoute(r, true));
  });
  it('src + dev + scope link', () => {
    const r = v4('10.2.0.0', 16, { prefsrc: ip('10.0.0.2'), oif: 3, table: 100, scope: RT_SCOPE_LINK });
    assertIproute2('ip-route-add-v4-src-link.hex', RTM_NEWROUTE, ADD, encodeRoute(r));
    // And the default scope of a gateway-less IPv4 unicast route is link, as iproute2 picks it.
    assert.equal(encodeRoute({ ...r, scope: undefined }).toString('hex'), encodeRoute(r).toString('hex'));
  });
  it('blackhole', () => {
    assertIproute2('ip-route-add-blackhole.hex', RTM_NEWROUTE, ADD, encodeRoute(v4('10.3.0.0', 24, { type: RTN_BLACKHOLE, table: 100 })));
  });
  it('unreachable in table 1000 (RTA_TABLE, header table 0)', () => {
    assertIproute2('ip-route-add-unreachable-table1000.hex', RTM_NEWROUTE, ADD, encodeRoute(v4('10.4.0.0', 24, { type: RTN_UNREACHABLE, table: 1000 })));
  });
  it('IPv6 via link-local gateway (universe scope)', () => {
    const r: RouteSpec = { family: AF_INET6, dst: ip('2001:db8:1::'), dstLen: 48, gateway: ip('fe80::1'), oif: 3, table: 100, metric: 7, protocol: 112 };
    assertIproute2('ip-route-add-v6-via.hex', RTM_NEWROUTE, ADD, encodeRoute(r));
  });
  it('refuses malformed specs', () => {
    assert.throws(() => encodeRoute(v4('10.0.0.0', 33)), RangeError);
    assert.throws(() => encodeRoute({ ...v4('10.0.0.0', 8), gateway: ip('fe80::1') }), RangeError);
    assert.throws(() => encodeRoute({ family: AF_INET6, dst: ip('10.0.0.0'), dstLen: 8 }), RangeError);
  });
});

describe('routes: the kernel dump decodes to what ip route show printed', () => {
  it('three routes of table 100', () => {
    const msgs = decodeMessages(loadGolden('kernel-getroute-dump-v4.hex').bytes).filter((m) => m.type === RTM_NEWROUTE);
    const routes = msgs.map((m) => decodeRoute(m));
    // ip route show table 100: "10.1.0.0/24 via 10.0.0.1 dev d0 proto 112 metric 5",
    // "10.2.0.0/16 dev d0 proto 112 scope link src 10.0.0.2", "blackhole 10.3.0.0/24 proto 112"
    assert.deepEqual(routes.map((r) => formatRoute(r)), ['10.1.0.0/24 via 10.0.0.1 table 100 metric 5', '10.2.0.0/16 src 10.0.0.2 table 100', 'blackhole 10.3.0.0/24 table 100']);
    assert.deepEqual(routes.map((r) => [r.table, r.protocol, r.oif]), [[100, 112, 3], [100, 112, 3], [100, 112, undefined]]);
    assert.equal(routes[1].scope, RT_SCOPE_LINK);
    assert.equal(routes[0].type, RTN_UNICAST);
    // Round trip: deleting what the kernel reported encodes the same prefix, table and hop.
    const back = decodeRoute(encodeRoute(routeSpecOf(routes[0]), true));
    assert.equal(formatIp(back.dst!), '10.1.0.0');
    assert.equal(back.table, 100);
    assert.equal(formatIp(back.gateway!), '10.0.0.1');
  });
  it('short or inconsistent messages are decode errors, not crashes', () => {
    assert.throws(() => decodeRoute(Buffer.alloc(8)), NetlinkDecodeError);
    const bad = encodeRoute(v4('10.0.0.0', 8));
    bad.writeUInt8(AF_INET6, 0); // a 4-byte RTA_DST in an IPv6 route
    assert.throws(() => decodeRoute(bad), NetlinkDecodeError);
  });
});

describe('rules: byte-identical to ip rule', () => {
  it('from + to + table + priority + iif + oif + protocol', () => {
    const r = { family: AF_INET, src: { addr: ip('10.0.0.0'), len: 24 }, dst: { addr: ip('10.9.0.0'), len: 16 }, table: 100, priority: 1000, iifname: 'd0', oifname: 'lo', protocol: 112 } as const;
    assertIproute2('ip-rule-add-from-to-iif-oif.hex', RTM_NEWRULE, ADD, encodeRule(r));
  });
  it('table 1000 (FRA_TABLE), add and delete', () => {
    const r = { family: AF_INET, dst: { addr: ip('10.8.0.0'), len: 16 }, table: 1000, priority: 1001, protocol: 112 } as const;
    assertIproute2('ip-rule-add-to-table1000.hex', RTM_NEWRULE, ADD, encodeRule(r));
    assertIproute2('ip-rule-del-to-table1000.hex', RTM_DELRULE, DEL, encodeRule(r, true));
  });
  it('the kernel rule dump decodes to ip rule show', () => {
    const rules = decodeMessages(loadGolden('kernel-getrule-dump.hex').bytes).filter((m) => m.type === RTM_NEWRULE).map((m) => decodeRule(m));
    const ours = rules.filter((r) => r.protocol === 112);
    assert.deepEqual(
      ours.map((r) => [r.priority, r.src && `${formatIp(r.src)}/${r.srcLen}`, r.dst && `${formatIp(r.dst)}/${r.dstLen}`, r.iifname, r.oifname, r.table, r.action]),
      [
        [1000, '10.0.0.0/24', '10.9.0.0/16', 'd0', 'lo', 100, FR_ACT_TO_TBL],
        [1001, undefined, '10.8.0.0/16', undefined, undefined, 1000, FR_ACT_TO_TBL],
      ],
    );
    // The kernel's own rules (local, main, default) carry no protocol marker of ours.
    assert.deepEqual(rules.filter((r) => r.protocol !== 112).map((r) => r.table), [255, 254, 253]);
    // Deleting what the kernel reported gives iproute2's delete bytes.
    assertIproute2('ip-rule-del-to-table1000.hex', RTM_DELRULE, DEL, encodeRule(ruleSpecOf(ours[1]), true));
  });
  it('refuses malformed specs', () => {
    assert.throws(() => encodeRule({ family: AF_INET, src: { addr: ip('fe80::'), len: 64 } }), RangeError);
    assert.throws(() => encodeRule({ family: AF_INET, iifname: 'a-very-long-interface-name' }), RangeError);
    assert.throws(() => decodeRule(Buffer.alloc(4)), NetlinkDecodeError);
  });
});

describe('macvlan: byte-identical to ip link add ... type macvlan mode private', () => {
  it('encodes the VMAC link', () => {
    const index = assertIproute2('ip-link-add-macvlan.hex', RTM_NEWLINK, ADD, encodeNewMacvlan({ name: 'vrrp.51', link: 3, mac: parseMac('00:00:5e:00:01:33') }));
    assert.equal(index, 3);
  });
  it('decodes back: name, MAC, kind, lower link and mode', () => {
    const p = encodeNewMacvlan({ name: 'vrrp.51', link: 3, mac: parseMac('00:00:5e:00:01:33') });
    const l = decodeLink(p);
    assert.equal(l.name, 'vrrp.51');
    assert.equal(l.kind, 'macvlan');
    assert.deepEqual(decodeMacvlanInfo(p), { link: 3, mode: MACVLAN_MODE_PRIVATE });
    assert.equal(encodeDelLink(7).readInt32LE(4), 7);
  });
  it('refuses bad names and MACs', () => {
    assert.throws(() => encodeNewMacvlan({ name: 'x'.repeat(16), link: 3, mac: new Uint8Array(6) }), RangeError);
    assert.throws(() => encodeNewMacvlan({ name: 'vrrp.1', link: 3, mac: new Uint8Array(5) }), RangeError);
    assert.throws(() => encodeDelLink(0), RangeError);
  });
});

describe('fuzz: mutated captures give a typed NetlinkDecodeError or a value, never another throw', () => {
  it('every golden file, truncated / flipped / re-lengthed, through the route, rule and macvlan decoders', () => {
    const seed = Number(process.env.KATS_FUZZ_SEED ?? 0x726f7574);
    const rnd = prng(seed);
    const files = readdirSync(GOLDEN_DIR).filter((f) => /^(ip-route|ip-rule|ip-link-add-macvlan|kernel-getro|kernel-getru)/.test(f) && f.endsWith('.hex'));
    assert.ok(files.length >= 12);
    let decoded = 0;
    for (const f of files) {
      const msgs = decodeMessages(loadGolden(f).bytes);
      for (const m of msgs) {
        for (let round = 0; round < 200; round++) {
          const p = Buffer.from(m.payload);
          const kind = Math.floor(rnd() * 3);
          const cut = Math.floor(rnd() * (p.length + 1));
          const bad = kind === 0 ? p.subarray(0, cut) : p;
          if (kind === 1 && p.length > 0) p[Math.floor(rnd() * p.length)] ^= 1 << Math.floor(rnd() * 8);
          if (kind === 2 && p.length > 14) p.writeUInt16LE(Math.floor(rnd() * 0xffff), 12 + 4 * Math.floor(rnd() * ((p.length - 14) / 4)));
          for (const dec of [decodeRoute, decodeRule, decodeMacvlanInfo] as ((b: Buffer) => unknown)[]) {
            try {
              dec(bad);
              decoded++;
            } catch (e) {
              assert.ok(e instanceof NetlinkDecodeError, `${f} ${dec.name}: ${(e as Error).name}: ${(e as Error).message} (seed ${seed})`);
            }
          }
        }
      }
    }
    assert.ok(decoded > 0);
  });
});
