// keepalived's corrections of virtual servers after everything is read (validate_check_config in
// keepalived/check/check_data.c), each with its warning at the service or server line: real server
// and sorry server ports follow the service, quorum and hysteresis are clamped, smtp_alert defaults.
import { vsName } from './build-lvs.ts';
import type { Diagnostics, Place } from './diagnostics.ts';
import type { GlobalDefs, VirtualServer, VirtualServerGroup } from './model.ts';

export function resolveVirtualServer(vs: VirtualServer, g: GlobalDefs, groups: Map<string, VirtualServerGroup>, d: Diagnostics, written?: Map<string, Place>): void {
  const name = vsName(vs);
  const group = vs.group === undefined ? undefined : groups.get(vs.group);
  const fwmarkOnly = vs.fwmark !== undefined || (group !== undefined && group.members.length > 0 && group.members.every((m) => m.kind === 'fwmark'));
  const protocolAt = written?.get('protocol');
  if (fwmarkOnly && protocolAt) d.warn(protocolAt, `Warning: Virtual server ${name}: protocol specified for fwmark - protocol will be ignored`);
  if (fwmarkOnly && vs.haSuspend) {
    d.warn(vs, `Virtual server ${name}: cannot use ha_suspend with fwmarks - clearing ha_suspend`);
    vs.haSuspend = false;
  }
  vs.smtpAlert ??= g.smtpAlertChecker ?? g.smtpAlert ?? false;
  let weightSum = 0;
  for (const rs of vs.realServers) {
    // Kept for backwards compatibility by keepalived: real servers mail by default.
    rs.smtpAlert ??= g.smtpAlertChecker ?? g.smtpAlert ?? true;
    weightSum += rs.weight;
    if (vs.fwmark !== undefined) {
      if (rs.port !== undefined && vs.lbKind !== 'NAT') {
        d.warn(rs, `fwmark virtual server ${name}, real server ${rs.address} has port specified - clearing`);
        rs.port = undefined;
      }
    } else if (vs.port !== undefined) {
      // IPVS (and keepalived) use the service port for a real server written without one; with
      // DR and TUN the packet keeps its destination port, so another port cannot work.
      if (rs.port === undefined) rs.port = vs.port;
      else if (rs.port !== vs.port && vs.lbKind !== 'NAT') {
        d.warn(rs, `virtual server ${name} and real server ${rs.address} ports don't match - resetting`);
        rs.port = vs.port;
      }
    }
  }
  if (vs.sorryServer && vs.port !== undefined && vs.sorryServer.port === undefined) vs.sorryServer.port = vs.port;
  if (vs.realServers.length > 0 && vs.quorum > weightSum) {
    d.warn(vs, `quorum ${vs.quorum} for ${name} exceeds total weight of real servers ${weightSum}, reducing quorum to ${weightSum}`);
    vs.quorum = weightSum;
  }
  if (vs.hysteresis >= vs.quorum && vs.hysteresis > 0) {
    const h = Math.max(0, vs.quorum - 1);
    d.warn(vs, `Virtual server ${name}: hysteresis ${vs.hysteresis} >= quorum ${vs.quorum}; setting hysteresis to ${h}`);
    vs.hysteresis = h;
  }
}
