// ipvs-netlink: our IPVS client. The public surface for the LVS manager and the CLI.
export { IpvsClient, IpvsError, describeOp } from './client.ts';
export type { ApplyResult, IpvsClientOptions, IpvsTransport } from './client.ts';
export { reconcile, serviceId, destId, serviceKeyOf, serviceDiffers, destDiffers } from './reconcile.ts';
export { formatList, formatTimeouts, formatDaemons } from './format.ts';
export type { ListFormat } from './format.ts';
export { describeService, describeDest } from './describe.ts';
export { IP_VS_SVC_F, IP_VS_TUNNEL_ENCAP_FLAG } from './constants.ts';
export type {
  DaemonConfig,
  DestConfig,
  DestKey,
  Destination,
  FwdMethod,
  IpvsFamily,
  IpvsInfo,
  IpvsOp,
  IpvsProtocol,
  IpvsStats,
  IpvsTable,
  IpvsTimeouts,
  Service,
  ServiceConfig,
  ServiceKey,
  SyncState,
  TableService,
  TunnelType,
} from './types.ts';
