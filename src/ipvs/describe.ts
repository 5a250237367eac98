// Short human names for services and destinations in messages and logs, spelled the way
// ipvsadm prints them: "TCP 10.0.0.1:80", "UDP [2001:db8::1]:53", "FWM 7", "FWM 7 IPv6".
import type { DestKey, IpvsFamily, ServiceKey } from './types.ts';

export function hostPort(af: IpvsFamily, address: string, port: number): string {
  return af === 'inet6' ? `[${address}]:${port}` : `${address}:${port}`;
}

export function describeService(k: ServiceKey): string {
  if (k.fwmark) return `FWM ${k.fwmark}${k.af === 'inet6' ? ' IPv6' : ''}`;
  return `${(k.protocol ?? '?').toUpperCase()} ${hostPort(k.af, k.address ?? '?', k.port ?? 0)}`;
}

export function describeDest(d: DestKey, svcAf: IpvsFamily): string {
  const af = d.af ?? (d.address.includes(':') ? 'inet6' : svcAf);
  return hostPort(af, d.address, d.port);
}
