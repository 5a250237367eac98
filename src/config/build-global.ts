// global_defs -> GlobalDefs with keepalived's defaults (keepalived/core/global_data.c
// set_vrrp_defaults: garp repeat 5, garp delay 5 s, refresh 0, refresh repeat 1, vrrp_version 2;
// smtp_connect_timeout 30 s; multicast groups 224.0.0.18 / ff02::12).
import type { ConfNode } from './ast.ts';
import type { Diagnostics } from './diagnostics.ts';
import type { GlobalDefs } from './model.ts';
import { readPort } from './values.ts';
import { applyScalars, listWords, walkBlock } from './walk.ts';

export function defaultGlobalDefs(): GlobalDefs {
  return {
    notificationEmail: [],
    smtpConnectTimeoutMs: 30_000,
    noEmailFaults: false,
    checkerLogAllFailures: false,
    vrrpMcastGroup4: '224.0.0.18',
    vrrpMcastGroup6: 'ff02::12',
    vrrpVersion: 2,
    vrrpGarpMasterDelayMs: 5000,
    vrrpGarpMasterRepeat: 5,
    vrrpGarpMasterRefreshMs: 0,
    vrrpGarpMasterRefreshRepeat: 1,
    vrrpGarpLowerPrioDelayMs: 5000,
    vrrpGarpLowerPrioRepeat: 5,
    vrrpGarpIntervalMs: 0,
    vrrpGnaIntervalMs: 0,
    vrrpMinGarp: false,
    vrrpLowerPrioNoAdvert: false,
    // On, unlike keepalived (off): after a split brain heals it is what makes the winner
    // re-announce the VIPs (resolve-vrrp.ts says why).
    vrrpHigherPrioSendAdvert: true,
    vrrpDownTimerAdverts: 3,
    vrrpStrict: false,
    vrrpSkipCheckAdvAddr: false,
    vrrpCheckUnicastSrc: false,
    lvsFlush: false,
    enableScriptSecurity: false,
    vrrpNotifyPriorityChanges: false,
    vrrpStartupDelayMs: 0,
    logUnknownVrids: false,
    kept: [],
  };
}

/** Applies one global_defs block onto `g` (keepalived allows several; later values win). */
export function buildGlobalDefs(children: ConfNode[], g: GlobalDefs, d: Diagnostics): void {
  const { rest, explicit } = applyScalars(walkBlock('global_defs', children, d), g, d);
  for (const item of rest) {
    switch (item.spec.keyword) {
      case 'notification_email':
        g.notificationEmail.push(...listWords(item.children));
        break;
      case 'smtp_server': {
        const port = item.args[1] === undefined ? 25 : readPort(item.args[1], 'smtp_server port', item, d);
        if (port !== undefined) g.smtpServer = { host: item.args[0], port };
        break;
      }
      case 'lvs_flush_on_stop':
        g.lvsFlushOnStop = item.args[0] ?? 'all';
        break;
      case 'script_user':
        g.scriptUser = item.args;
        break;
      case 'dynamic_interfaces':
        if (item.args[0] !== undefined && item.args[0] !== 'allow_if_changes') {
          d.error(item, `dynamic_interfaces: unknown option '${item.args[0]}'`);
        } else g.dynamicInterfaces = item.args[0] ?? 'on';
        break;
    }
  }
  // The lower-priority GARP settings default to the master ones (global_data.c).
  if (!explicit.has('vrrp_garp_lower_prio_delay')) g.vrrpGarpLowerPrioDelayMs = g.vrrpGarpMasterDelayMs;
  if (!explicit.has('vrrp_garp_lower_prio_repeat')) g.vrrpGarpLowerPrioRepeat = g.vrrpGarpMasterRepeat;
  // vrrp_min_garp: one GARP, no second burst, no refresh, unless set explicitly.
  if (g.vrrpMinGarp) {
    if (!explicit.has('vrrp_garp_master_repeat')) g.vrrpGarpMasterRepeat = 1;
    if (!explicit.has('vrrp_garp_master_delay')) g.vrrpGarpMasterDelayMs = 0;
    if (!explicit.has('vrrp_garp_master_refresh')) g.vrrpGarpMasterRefreshMs = 0;
    if (!explicit.has('vrrp_garp_lower_prio_repeat')) g.vrrpGarpLowerPrioRepeat = 1;
    if (!explicit.has('vrrp_garp_lower_prio_delay')) g.vrrpGarpLowerPrioDelayMs = 0;
  }
}
