// Generic netlink: the CTRL_CMD_GETFAMILY request bytes and the decoding of real controller replies.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFamily, decodeGenl, encodeGenl, encodeGetFamily, GENL_ID_CTRL } from '../../../src/netlink/genl.ts';
import { decodeError, decodeMessages, encodeMessage, NetlinkDecodeError, NLM_F_ACK, NLM_F_REQUEST, NLMSG_ERROR } from '../../../src/netlink/message.ts';
import { loadGolden } from './golden.ts';

describe('generic netlink', () => {
  it('encodes CTRL_CMD_GETFAMILY for a name', () => {
    const msg = encodeMessage({ type: GENL_ID_CTRL, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, pid: 0 }, encodeGetFamily('IPVS'));
    // nlmsghdr(16) | genlmsghdr cmd 3 version 1 | CTRL_ATTR_FAMILY_NAME "IPVS\0" (len 9, padded)
    assert.equal(msg.toString('hex'), '2000000010000500010000000000000003010000' + '0900020049505653' + '00000000');
  });

  it('decodes the real nlctrl family reply: id, version, groups', () => {
    const msgs = decodeMessages(loadGolden('kernel-genl-nlctrl.hex').bytes);
    assert.equal(msgs[0].type, GENL_ID_CTRL);
    const fam = decodeFamily(msgs[0]);
    assert.equal(fam.id, 0x10);
    assert.equal(fam.name, 'nlctrl');
    assert.ok(fam.version >= 1);
    assert.equal(fam.groups.get('notify'), 0x10);
    assert.equal(msgs[1].type, NLMSG_ERROR);
    assert.equal(decodeError(msgs[1]).errno, 0);
  });

  it('an unknown family is ENOENT', () => {
    const [m] = decodeMessages(loadGolden('kernel-genl-enoent.hex').bytes);
    assert.equal(decodeError(m).errno, 2);
  });

  it('short payloads are NetlinkDecodeError', () => {
    assert.throws(() => decodeGenl(Buffer.from([3])), NetlinkDecodeError);
    assert.throws(() => decodeFamily(encodeGenl(1, 2, [])), NetlinkDecodeError);
  });
});
