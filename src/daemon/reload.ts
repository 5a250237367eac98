// SIGHUP: re-read the configuration and apply it to the running VRRP runtime (keepalived
// reload_config: instances whose configuration did not change keep their state and VIPs; the
// others are stopped and started anew). A configuration with errors never gets here: the caller
// keeps running the old one.
import type { Logger } from '../obs/log.ts';
import type { Model } from '../config/model.ts';
import type { VrrpRuntime } from '../vrrp/runtime.ts';

export async function reloadRuntime(runtime: VrrpRuntime, next: Model, log: Logger, _opts: { dontReleaseVrrp?: boolean } = {}): Promise<VrrpRuntime> {
  const r = await runtime.applyModel(next);
  log.info(`Reload done: ${r.kept.length} instance(s) kept, ${r.stopped.length} stopped, ${r.started.length} started`);
  return runtime;
}
