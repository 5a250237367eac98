// keepalived's way of naming services in logs and FIFO lines (lib/utils.c inet_sockaddrtotrio,
// check/check_data.c format_vs): `[192.168.1.10]:tcp:80`, `FWM 5`, `[GROUPNAME]:80`.
import type { VirtualServer } from '../config/model.ts';

export function fmtAddrPort(address: string, protocol: string, port: number | undefined): string {
  return `[${address}]:${protocol.toLowerCase()}:${port ?? 0}`;
}

export function fmtVs(vs: Pick<VirtualServer, 'address' | 'port' | 'fwmark' | 'group' | 'protocol'>): string {
  if (vs.fwmark !== undefined) return `FWM ${vs.fwmark}`;
  if (vs.group !== undefined) return `[${vs.group}]:${vs.port ?? 0}`;
  return fmtAddrPort(vs.address ?? '', vs.protocol, vs.port);
}

export function fmtRs(rs: { address: string; port?: number }, vs: Pick<VirtualServer, 'protocol'>): string {
  return fmtAddrPort(rs.address, vs.protocol, rs.port);
}
