// `keepalived-ts cleanup [DAEMON OPTIONS]` (`-f FILE`, `-V`, `-I` as the daemon): undoes what a
// daemon that could not stop gracefully (SIGKILL, OOM kill, crash) left behind, without starting
// one. Meant for systemd's ExecStopPost=, which runs after every stop of the service, a SIGKILL
// included (a graceful stop has already done all of this; every step is idempotent):
//  - lvs_self_balancing instances: the VIP goes on lo (scope host) FIRST, so this node keeps
//    serving what still arrives for the VIP (src/lvs/self-balance.ts ordering);
//  - the configuration's VIPs still on their interface are removed when they carry our IFA_PROTO
//    marker or belong to a non-owner instance (the start-up rule of src/vips/cleanup.ts). Without
//    this, a killed master whose link stays up (or returns before the daemon restarts) keeps
//    answering ARP for the VIP next to the new master (keepalived issues #2361, #672);
//  - the configuration's IPVS services are removed (what keepalived's graceful shutdown does, and
//    only those: other services in the table are not ours), and lvs_sync_daemon's kernel threads
//    stopped.
// `-V` (--dont-release-vrrp) keeps the VIPs, `-I` (--dont-release-ipvs) keeps the IPVS services,
// as they do for the daemon's own stop. The other daemon options are accepted and ignored, so the
// unit can pass the same $KEEPALIVED_TS_OPTIONS.
import { parseDaemonArgs } from '../daemon/options.ts';
import { loadConfig } from '../config/load.ts';
import { formatDiagnostic } from '../config/ast.ts';
import { createLogger } from '../obs/log.ts';
import { Rtnetlink } from '../netlink/rtnetlink.ts';
import { VipManager, resolveVip } from '../vips/manager.ts';
import { removeLeftoverVips, type CleanupCandidate } from '../vips/cleanup.ts';
import { SelfBalancer } from '../daemon/self-balance.ts';
import { modelServices } from '../lvs/wanted.ts';
import { reconcile, serviceId } from '../ipvs/reconcile.ts';
import { describeOp } from '../ipvs/client.ts';

const USAGE = `Usage: keepalived-ts cleanup [-f FILE] [-V] [-I] [other daemon options, ignored]
Removes what a killed daemon left: VIPs (lvs_self_balancing VIPs go back on lo), IPVS services of
the configuration, lvs_sync_daemon threads. For systemd ExecStopPost=.
`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const parsed = parseDaemonArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`keepalived-ts cleanup: ${parsed.error}\n${USAGE}`);
    return 2;
  }
  const o = parsed.options;
  const { model, diagnostics } = loadConfig(o.configFile, { configId: o.configId });
  for (const d of diagnostics) if (d.severity === 'error') process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (!model) {
    process.stderr.write(`keepalived-ts cleanup: ${o.configFile} cannot be used; nothing done\n`);
    return 1;
  }
  const log = createLogger({ format: 'keepalived', destination: process.stdout, ident: 'keepalived-ts-cleanup' });
  let failed = 0;
  const say = (line: string, bad = false): void => {
    if (bad) failed++;
    process.stdout.write(`cleanup: ${line}\n`);
  };

  if (!o.dontReleaseVrrp && !o.checkOnly) {
    // 1. lvs_self_balancing: the VIP on lo before it leaves the interface (never unserved here).
    if (SelfBalancer.wanted(model)) {
      const sb = new SelfBalancer(model, log);
      try {
        await sb.prepare();
      } catch (e) {
        say(`cannot put the self-balancing VIPs on lo: ${(e as Error).message}`, true);
      } finally {
        sb.close();
      }
    }
    // 2. The VIPs on their interfaces.
    let rt: Rtnetlink | null = null;
    try {
      rt = Rtnetlink.open();
      const links = await rt.links();
      const ifindexOf = (name: string) => links.find((l) => l.name === name)?.index;
      const candidates: CleanupCandidate[] = [];
      for (const inst of model.vrrpInstances) {
        for (const v of [...inst.virtualIpaddress, ...inst.virtualIpaddressExcluded]) {
          const spec = resolveVip(v, inst.interface, ifindexOf);
          // An interface that is gone holds no VIP.
          if (typeof spec !== 'string') candidates.push({ vip: spec, owner: inst.priority === 255 });
        }
      }
      for (const line of await removeLeftoverVips(new VipManager(rt), candidates)) say(line, line.startsWith('cannot'));
    } catch (e) {
      say(`cannot check the VIPs: ${(e as Error).message}`, true);
    } finally {
      rt?.close();
    }
  }

  // 3. IPVS: the configuration's services and the sync daemon threads.
  const ours = new Set(modelServices(model).map(serviceId));
  const sync = (model.globalDefs.kept ?? []).some((k) => k.keyword === 'lvs_sync_daemon');
  if (!o.dontReleaseIpvs && !o.vrrpOnly && (ours.size > 0 || sync)) {
    const { IpvsClient } = await import('../ipvs/client.ts');
    let ipvs: Awaited<ReturnType<typeof IpvsClient.open>> | null = null;
    try {
      ipvs = await IpvsClient.open();
    } catch (e) {
      // No IPVS in the kernel (module not loaded): nothing can have been left in it.
      say(`IPVS not available (${(e as Error).message}): no services to remove`);
    }
    if (ipvs) {
      try {
        const actual = await ipvs.getTable();
        const ops = reconcile({ services: [] }, actual, (k) => ours.has(serviceId(k)));
        for (const r of await ipvs.apply(ops)) say(r.error ? `cannot remove IPVS service ${describeOp(r.op)}: ${r.error.message}` : `removed IPVS service ${describeOp(r.op)}`, !!r.error);
        if (sync) {
          for (const state of ['master', 'backup'] as const) {
            await ipvs.stopDaemon(state).then(
              () => say(`stopped the IPVS ${state} sync daemon`),
              (e: unknown) => {
                if ((e as { code?: string }).code !== 'ESRCH') say(`cannot stop the IPVS ${state} sync daemon: ${(e as Error).message}`, true);
              },
            );
          }
        }
      } catch (e) {
        say(`cannot clean the IPVS table: ${(e as Error).message}`, true);
      } finally {
        ipvs.close();
      }
    }
  }
  await new Promise<void>((r) => log.flush(() => r()));
  return failed ? 1 : 0;
}
