// An IPv6 /128 VIP is added deprecated (IFA_CACHEINFO preferred 0, valid forever), keepalived's
// default for /128 VIPs, so the host never sources its own traffic from it; other VIPs carry no
// lifetimes (the kernel's default: forever). Found by the chaos soak (test/soak/soak.ts): without
// it, in a split brain a director pinged its peer from the VIP and the reply went to the other
// master.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeVipAdd, type VipSpec } from '../../../src/vips/manager.ts';
import { attrMap } from '../../../src/netlink/message.ts';
import { IFA_CACHEINFO } from '../../../src/netlink/route-addr.ts';
import { parseIp } from '../../../src/vrrp/addr.ts';

const spec = (address: string, prefix: number): VipSpec => {
  const a = parseIp(address)!;
  return { family: a.length === 4 ? 4 : 6, address: a, prefix, ifindex: 2, ifname: 'eth0', scope: 0, text: `${address}/${prefix} dev eth0` };
};
const cacheinfo = (v: VipSpec) => attrMap(encodeVipAdd(v).subarray(8)).get(IFA_CACHEINFO);

test('an IPv6 /128 VIP is added with preferred_lft 0 and valid_lft forever', () => {
  const ci = cacheinfo(spec('2001:db8::100', 128));
  assert.ok(ci, 'IFA_CACHEINFO present');
  assert.equal(ci.length, 16);
  assert.equal(ci.readUInt32LE(0), 0, 'preferred lifetime 0 (deprecated)');
  assert.equal(ci.readUInt32LE(4), 0xffffffff, 'valid forever');
});

test('IPv6 VIPs with a shorter prefix and IPv4 VIPs carry no lifetimes', () => {
  assert.equal(cacheinfo(spec('2001:db8::100', 64)), undefined);
  assert.equal(cacheinfo(spec('10.0.0.100', 32)), undefined);
});
