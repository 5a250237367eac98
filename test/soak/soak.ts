// Chaos soak with real daemons in namespaces (issue 6):
//
//   node test/soak/soak.ts --minutes N [--seed S] [--prefix katsok]
//
// Three directors (d1 140, d2 120, d3 100; VRRPv3, advert_int 0.1) each running two instances, VI_1
// with an IPv4 VIP and VI_6 with an IPv6 VIP, and a tiny HTTP server (its backend) on [::]:8080.
// Each instance tracks two vrrp_scripts (weight -50 each, interval 1 s, fall 1, rise 1):
// chk_hang, which hangs past its 1 s timeout while a flag file exists (the daemon must kill it
// and count a failure), and chk_web, an HTTP check of the local backend with curl. A client
// namespace requests http://VIP:8080/ and http://[VIP6]:8080/ every 20 ms each.
//
// Faults, one at a time, drawn from the seed, held 1 to 4 s: kill9 (kill -9 of the daemon's group
// with its link down: a host crash; restart, then link up), term (SIGTERM, restart), hup (SIGHUP
// with the priority toggled by -30), flap (link down/up), partition (VRRP alone dropped between a
// pair with tc/cls_bpf, vrrp-drop.ts: a real split brain while ARP/ND/HTTP still flow), hang
// (chk_hang hangs past its timeout) and backend (kill -9 of the HTTP server). After each heal
// it measures the time until, for both instances, one director alone is MASTER, it has the
// highest effective priority among running directors (any of them on a tie: RFC 5798 §6.4.2, a
// backup does not preempt an equal master) and it alone holds that instance's VIP, continuously
// for 1 s (convergence); over 20 s is a failure. Meanwhile a 50 ms monitor counts split-brain
// time: two running directors whose last state line for an instance is MASTER. At the end:
// graceful stop of all, then no VIP, no extra lo address, no route that was not there before the
// daemons started, no control socket and no process (other than our HTTP servers) may be left in
// any director namespace. IPVS is not in this host's kernel, so no virtual_server is soaked.
// Prints one JSON summary; exit 1 on any failure. runSoak() is used by test/netns/soak-sample.test.ts.
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeFileSync, chmodSync, rmSync, existsSync } from 'node:fs';
import { Lab, conf, instanceBlock, sh, sleep, type Daemon } from '../lib/lab.ts';
import { makeRng } from '../sim/prng.ts';
import { VrrpDrops } from './vrrp-drop.ts';
import { routeSnapshot, namespaceProcs, median } from './inspect.ts';

export const SOAK_VIP = '10.99.0.100';
export const SOAK_VIP6 = '2001:db8:99::100';
const INSTANCES = [
  { name: 'VI_1', vrid: 51, vip: SOAK_VIP, cidr: `${SOAK_VIP}/32` },
  { name: 'VI_6', vrid: 52, vip: SOAK_VIP6, cidr: `${SOAK_VIP6}/128` },
] as const;
const DIRS = ['d1', 'd2', 'd3'] as const;
type Dir = (typeof DIRS)[number];
const BASE: Record<Dir, number> = { d1: 140, d2: 120, d3: 100 };
const IP4: Record<Dir, string> = { d1: '10.99.0.1', d2: '10.99.0.2', d3: '10.99.0.3' };
const IP6: Record<Dir, string> = { d1: '2001:db8:99::1', d2: '2001:db8:99::2', d3: '2001:db8:99::3' };
export const KINDS = ['kill9', 'term', 'hup', 'flap', 'partition', 'hang', 'backend'] as const;
export type Kind = (typeof KINDS)[number];
const CONVERGE_MS = 20_000;
const STABLE_MS = 1000;
const TRACK_WEIGHT = 50;
const SCRIPT_TIMEOUT_S = 1;

export interface SoakOptions {
  minutes: number;
  seed: number;
  prefix: string;
  /** Faults to inject first, in order, each on the current master (a partition: master | runner-up). */
  lead?: Kind[];
  log?: (s: string) => void;
}

export interface FaultRecord {
  kind: Kind;
  target: string;
  wasMaster: boolean;
  holdMs: number;
  convergeMs: number | null;
  /**
   * ms after convergence until the client's neighbour entries for both VIPs name the master's
   * MAC (0: already right; null: still wrong after 10 s). Not a failure: a stale entry is the
   * client's cache, repaired by the master's next GARP/NA burst or by NUD.
   */
  clientStaleMs: number | null;
  master: string;
  /** Who held the IPv4 VIP just before the heal (did the fault move it?). */
  holdersBeforeHeal: string;
  /** ms with two MASTERs of one instance while the fault was active / after the heal. */
  splitHoldMs: number;
  splitAfterHealMs: number;
  /** Client requests (both families) from the fault's start until convergence. */
  requests: number;
  ok: number;
  /** The same for IPv6 alone. */
  requests6: number;
  ok6: number;
  /** partition: the pair still reached each other by ping (only VRRP is dropped). */
  pairPing?: boolean;
  /** hang / backend: the daemon logged the script's failure (`timed_out` / `failed`). */
  failureLogged?: boolean;
  /** hang: script processes older than timeout + 2 s found before the heal (must be none). */
  staleScripts?: string[];
}

export interface KindFigures {
  count: number;
  convergeMedianMs: number;
  convergeMaxMs: number;
  /** Client availability from the faults' starts until convergence. */
  availability: number;
  splitHoldMs: number;
  splitAfterHealMs: number;
  /** Faults after which the client's neighbour entry named a non-master, and for how long at most. */
  clientStale: number;
  clientStaleMaxMs: number;
}

export interface SoakResult {
  seed: number;
  minutes: number;
  faults: FaultRecord[];
  requests: number;
  ok: number;
  availability: number;
  requests4: number;
  ok4: number;
  requests6: number;
  ok6: number;
  byKind: Record<string, KindFigures>;
  /** Total ms with two MASTERs for an instance (all faults, hold and convergence). */
  splitBrainMs: number;
  /** Checks of "one master per instance, the expected one" after convergence that held. */
  oneMasterChecks: number;
  failures: string[];
  leftovers: string[];
  ipvs: string;
}

// The client prints cumulative counters every 100 ms so a fault window can be cut out of them.
const CLIENT = `
const http = require('http');
const c = { t: 0, ok4: 0, fail4: 0, ok6: 0, fail6: 0 };
function get(host, fam) {
  const req = http.get({ host, port: 8080, path: '/', timeout: 300, agent: false }, (res) => {
    res.resume();
    res.on('end', () => c['ok' + fam]++);
    res.on('error', () => c['fail' + fam]++);
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => c['fail' + fam]++);
}
setInterval(() => { get(process.argv[1], 4); get(process.argv[2], 6); }, 20);
setInterval(() => { c.t = Date.now(); console.log(JSON.stringify(c)); }, 100);
`;

const SERVER = `require('http').createServer((q, s) => s.end(process.argv[1])).listen(8080, '::');`;

interface Counters {
  t: number;
  ok4: number;
  fail4: number;
  ok6: number;
  fail6: number;
}

/** '' when `addr` answers a ping from `ns`, else what ping and the route lookup said. */
function pingOut(ns: string, addr: string): string {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'ping', '-n', '-c', '3', '-W', '1', '-i', '0.2', addr], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return '';
  return `${ns} -> ${addr}: ${r.stdout.trim().split('\n').slice(-2).join(' ')} ${r.stderr.trim()} | ${sh('ip', ['-n', ns, 'route', 'get', addr], { allowFail: true }).trim()}`;
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => {});
  const rng = makeRng(o.seed);
  const lab = new Lab(o.prefix);
  const res: SoakResult = {
    seed: o.seed,
    minutes: o.minutes,
    faults: [],
    requests: 0,
    ok: 0,
    availability: 0,
    requests4: 0,
    ok4: 0,
    requests6: 0,
    ok6: 0,
    byKind: {},
    splitBrainMs: 0,
    oneMasterChecks: 0,
    failures: [],
    leftovers: [],
    ipvs: '',
  };
  const daemons = new Map<Dir, Daemon>();
  const prio: Record<Dir, number> = { ...BASE };
  const hanging = new Set<Dir>();
  const backendDown = new Set<Dir>();
  const stopping = new Set<Dir>();
  const servers = new Map<Dir, number>();
  let client: Counters = { t: 0, ok4: 0, fail4: 0, ok6: 0, fail6: 0 };
  let monitor: NodeJS.Timeout | undefined;
  try {
    lab.setup([...DIRS.map((d) => ({ name: d, ip4: IP4[d], ip6: IP6[d] })), { name: 'c', ip4: '10.99.0.9', ip6: '2001:db8:99::9' }], { ipv6: true });
    res.ipvs = existsSync('/proc/net/ip_vs') ? 'present (not soaked)' : 'absent from this kernel: no virtual_server soaked';
    // Keep the hosts' own IPv6 addresses over a link flap, as for IPv4 (by default the kernel
    // flushes static IPv6 addresses on link down, and nothing in the lab would put them back:
    // the director would lose its on-link route and could not answer the client through the VIP).
    for (const d of DIRS) sh('ip', ['netns', 'exec', lab.host(d).ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.eth0.keep_addr_on_down=1']);
    const drops = new VrrpDrops(lab.brNs);
    // VRRPv3 over IPv6 is sent from the link-local address (RFC 5798 §5.1.2.1), so that is the
    // source a partition drops; the kernel derives it from the lab's fixed MACs.
    const lladdr = (d: Dir) => {
      for (let i = 0; i < 50; i++) {
        const a = lab.addrs(d).find((x) => x.family === 'inet6' && x.scope === 'link');
        if (a) return a.local;
        sh('sleep', ['0.1']);
      }
      throw new Error(`${d}: no IPv6 link-local address`);
    };
    const LL: Record<Dir, string> = { d1: lladdr('d1'), d2: lladdr('d2'), d3: lladdr('d3') };
    const routesBefore = new Map<Dir, string[]>(DIRS.map((d) => [d, routeSnapshot(lab.host(d).ns)]));

    const chkHang = join(lab.dir, 'chk-hang.sh');
    writeFileSync(chkHang, `#!/bin/sh\nif [ -e "${lab.dir}/hang-$1" ]; then sleep 30; fi\nexit 0\n`);
    const chkWeb = join(lab.dir, 'chk-web.sh');
    writeFileSync(chkWeb, '#!/bin/sh\nexec curl -sf -m 1 -o /dev/null http://127.0.0.1:8080/\n');
    for (const f of [chkHang, chkWeb]) chmodSync(f, 0o755);
    const script = (name: string, line: string, timeout: number) =>
      [`vrrp_script ${name} {`, `  script "${line}"`, '  interval 1', `  timeout ${timeout}`, `  weight -${TRACK_WEIGHT}`, '  fall 1', '  rise 1', '}'].join('\n');
    const confOf = (d: Dir) =>
      conf(
        script('chk_hang', `${chkHang} ${d}`, SCRIPT_TIMEOUT_S),
        script('chk_web', chkWeb, 2),
        ...INSTANCES.map((i) =>
          instanceBlock({ name: i.name, vrid: i.vrid, priority: prio[d], advert: '0.1', vips: [i.cidr], extra: ['track_script {', '  chk_hang', '  chk_web', '}'] }),
        ),
      );
    // Each daemon its own control socket (the default path is shared by every namespace).
    const sockOf = (d: Dir) => join(lab.dir, `${d}.sock`);
    const start = (d: Dir) => {
      stopping.delete(d);
      daemons.set(d, lab.start(d, confOf(d), ['--control-socket', sockOf(d)]));
    };
    const startServer = (d: Dir) => servers.set(d, lab.spawnIn(d, process.execPath, ['-e', SERVER, d]).pid!);
    const killServer = (d: Dir) => {
      try {
        process.kill(-servers.get(d)!, 'SIGKILL');
      } catch {
        // gone
      }
    };
    for (const d of DIRS) {
      startServer(d);
      start(d);
    }
    // SOAK_PCAP=FILE: a capture of ARP and ND on the client's link, to explain lost requests.
    if (process.env.SOAK_PCAP) lab.spawnIn('c', 'tcpdump', ['-i', 'eth0', '-n', '-U', '-w', process.env.SOAK_PCAP, 'arp or icmp6']);
    const clientProc = lab.spawnIn('c', process.execPath, ['-e', CLIENT, SOAK_VIP, SOAK_VIP6]);
    let cbuf = '';
    clientProc.stdout!.on('data', (b: Buffer) => {
      cbuf += b.toString();
      let i;
      while ((i = cbuf.indexOf('\n')) >= 0) {
        try {
          client = JSON.parse(cbuf.slice(0, i)) as Counters;
        } catch {
          // partial line
        }
        cbuf = cbuf.slice(i + 1);
      }
    });

    const running = (d: Dir) => {
      const x = daemons.get(d);
      return x !== undefined && !x.exited && !stopping.has(d);
    };
    const lastState = (d: Dir, inst: string) => {
      const x = daemons.get(d);
      if (!x || x.exited) return 'DOWN';
      const re = new RegExp(`\\(${inst}\\) Entering (\\w+) STATE`);
      for (let i = x.lines.length - 1; i >= 0; i--) {
        const m = re.exec(x.lines[i]);
        if (m) return m[1];
      }
      return 'INIT';
    };
    const effective = (d: Dir) => prio[d] - (hanging.has(d) ? TRACK_WEIGHT : 0) - (backendDown.has(d) ? TRACK_WEIGHT : 0);
    /** Running directors with the highest effective priority (several on a tie). */
    const top = (): Dir[] => {
      const up = DIRS.filter(running);
      const best = Math.max(...up.map(effective));
      return up.filter((d) => effective(d) === best);
    };
    const mastersOf = (inst: string) => DIRS.filter((d) => running(d) && lastState(d, inst) === 'MASTER');
    const holdersAll = () => {
      const out = new Map<string, Dir[]>(INSTANCES.map((i) => [i.vip, []]));
      for (const d of DIRS) for (const a of lab.addrs(d)) out.get(a.local)?.push(d);
      return out;
    };
    const good = () => {
      const t = top();
      const h = holdersAll();
      return INSTANCES.every((i) => {
        const m = mastersOf(i.name);
        return m.length === 1 && t.includes(m[0]) && h.get(i.vip)!.join() === m[0];
      });
    };
    const describe = () => {
      const h = holdersAll();
      return `${INSTANCES.map((i) => `${i.name} on ${h.get(i.vip)!.join() || '-'}`).join(', ')}; states ${DIRS.map((d) => `${d}=${INSTANCES.map((i) => lastState(d, i.name)).join('/')}(${effective(d)}${running(d) ? '' : ' down'})`).join(' ')}`;
    };

    // Split-brain monitor: from the daemons' own state lines, no process spawned per tick.
    let phase: 'idle' | 'hold' | 'heal' = 'idle';
    let current: FaultRecord | undefined;
    let lastTick = Date.now();
    monitor = setInterval(() => {
      const now = Date.now();
      const dt = now - lastTick;
      lastTick = now;
      if (!INSTANCES.some((i) => mastersOf(i.name).length >= 2)) return;
      res.splitBrainMs += dt;
      if (current && phase === 'hold') current.splitHoldMs += dt;
      if (current && phase === 'heal') current.splitAfterHealMs += dt;
    }, 50);

    /** ms until good() holds for STABLE_MS without a break; null after CONVERGE_MS. */
    const converge = async (): Promise<number | null> => {
      const t0 = Date.now();
      let since: number | null = null;
      while (Date.now() - t0 < CONVERGE_MS + STABLE_MS) {
        if (good()) {
          since ??= Date.now();
          if (Date.now() - since >= STABLE_MS) return since - t0;
        } else since = null;
        await sleep(50);
      }
      return null;
    };

    // The client needs a moment to start; wait for its first line (bounded).
    for (let i = 0; i < 100 && client.t === 0; i++) await sleep(100);
    const first = await converge();
    if (first === null) res.failures.push(`no initial convergence: ${describe()}`);
    else res.oneMasterChecks++;
    log(`converged at start in ${first} ms, master ${top().join('|')}`);
    // keepalived adds an IPv6 /128 VIP deprecated (preferred_lft 0) so that it is never the source
    // of the host's own traffic; in a split brain that would send replies to the other master.
    for (const d of DIRS) {
      const a = (lab.addrs(d) as { local: string; preferred_life_time?: number }[]).find((x) => x.local === SOAK_VIP6);
      if (a && a.preferred_life_time !== 0) res.failures.push(`${d}: IPv6 /128 VIP not deprecated (preferred_lft ${a.preferred_life_time})`);
    }

    const lead = [...(o.lead ?? [])];
    const end = Date.now() + o.minutes * 60_000;
    while (Date.now() < end) {
      const forced = lead.shift();
      const kind = forced ?? rng.pick(KINDS);
      const master = mastersOf('VI_1')[0] ?? top()[0];
      // Half the faults hit the master (the interesting case), the rest a random director.
      const target: Dir = forced !== undefined || rng.chance(0.5) ? master : rng.pick(DIRS);
      const holdMs = Math.round(rng.range(1000, 4000));
      const c0 = client;
      const rec: FaultRecord = {
        kind,
        target,
        wasMaster: target === master,
        holdMs,
        convergeMs: null,
        clientStaleMs: 0,
        master: '',
        holdersBeforeHeal: '',
        splitHoldMs: 0,
        splitAfterHealMs: 0,
        requests: 0,
        ok: 0,
        requests6: 0,
        ok6: 0,
      };
      const sleepHold = async (ms: number) => {
        if (process.env.SOAK_DEBUG) {
          const until = Date.now() + ms;
          while (Date.now() < until) {
            log(`    neigh ${sh('ip', ['-n', lab.host('c').ns, '-6', 'neigh', 'show', SOAK_VIP6], { allowFail: true }).trim()} | ${sh('ip', ['-n', lab.host('c').ns, '-4', 'neigh', 'show', SOAK_VIP], { allowFail: true }).trim()} holders ${[...holdersAll().values()].join(' ; ')} c6 ${client.ok6}/${client.fail6}`);
            await sleep(250);
          }
        } else await sleep(ms);
        rec.holdersBeforeHeal = holdersAll().get(SOAK_VIP)!.join() || '-';
      };
      current = rec;
      phase = 'hold';
      log(`${kind} ${target}${rec.wasMaster ? ' (master)' : ''} for ${holdMs} ms`);
      switch (kind) {
        case 'kill9': {
          // A host crash: the daemon and its children die, the link goes with it (the VIPs stay on
          // the dead interface; the restart removes them before the link comes back).
          daemons.get(target)!.crash();
          lab.linkSet(target, false);
          await sleepHold(holdMs);
          await daemons.get(target)!.waitExit(2000);
          start(target);
          await sleep(300);
          lab.linkSet(target, true);
          break;
        }
        case 'term': {
          const x = daemons.get(target)!;
          stopping.add(target);
          x.signal('SIGTERM');
          if (!(await x.waitExit(10_000))) {
            res.failures.push(`${target} did not exit within 10 s of SIGTERM`);
            x.crash();
          }
          await sleepHold(holdMs);
          start(target);
          break;
        }
        case 'hup': {
          // Priority toggles between base and base - 30: d1 140 <-> 110 (below d2).
          prio[target] = prio[target] === BASE[target] ? BASE[target] - 30 : BASE[target];
          writeFileSync(daemons.get(target)!.conf, confOf(target));
          daemons.get(target)!.signal('SIGHUP');
          await sleepHold(holdMs);
          break;
        }
        case 'flap': {
          lab.linkSet(target, false);
          await sleepHold(holdMs);
          lab.linkSet(target, true);
          break;
        }
        case 'partition': {
          // VRRP only, both ways, between the pair; everything else (the client, ARP/ND, the
          // third director) still flows. With the master and the runner-up as the pair, the
          // runner-up stops hearing the master and takes over too: a real split brain.
          const others = DIRS.filter((d) => d !== target && running(d)).sort((a, b) => effective(b) - effective(a));
          const other = forced !== undefined || rng.chance(0.5) ? (others[0] ?? rng.pick(DIRS.filter((d) => d !== target))) : rng.pick(DIRS.filter((d) => d !== target));
          rec.target = `${target}|${other}`;
          drops.block(lab.portName(other), [IP4[target], LL[target]]);
          drops.block(lab.portName(target), [IP4[other], LL[other]]);
          log(`  partition ${rec.target}`);
          const t0 = Date.now();
          await sleep(Math.min(holdMs, 700));
          const pings = [pingOut(lab.host(target).ns, IP4[other]), pingOut(lab.host(other).ns, IP6[target])];
          rec.pairPing = pings.every((p) => p === '');
          if (!rec.pairPing) log(`  ping failed: ${pings.join(' / ')}`);
          await sleepHold(Math.max(0, holdMs - (Date.now() - t0)));
          drops.clear(lab.portName(target));
          drops.clear(lab.portName(other));
          break;
        }
        case 'hang': {
          const x = daemons.get(target)!;
          const before = x.count(/VRRP_Script\(chk_hang\) timed_out/);
          writeFileSync(join(lab.dir, `hang-${target}`), '');
          hanging.add(target);
          await sleepHold(holdMs + 2000); // at least one run times out
          rec.failureLogged = x.count(/VRRP_Script\(chk_hang\) timed_out/) > before || x.exited;
          // A run killed at its timeout leaves nothing: only the current run (under 1 s old, plus
          // the kill's grace) may exist.
          rec.staleScripts = namespaceProcs(lab.host(target).ns)
            .filter((p) => /chk-hang|sleep 30/.test(p.cmd) && p.ageMs > (SCRIPT_TIMEOUT_S + 2) * 1000)
            .map((p) => `${p.pid} ${p.cmd} (${p.ageMs} ms)`);
          if (rec.staleScripts.length > 0) res.failures.push(`${target}: hung script runs outlived their timeout: ${rec.staleScripts.join('; ')}`);
          rmSync(join(lab.dir, `hang-${target}`), { force: true });
          hanging.delete(target);
          break;
        }
        case 'backend': {
          // The director's own backend dies (kill -9): chk_web fails, the priority drops by 50,
          // the VIPs move to a director whose backend answers; restart it and they come back.
          const x = daemons.get(target)!;
          const before = x.count(/VRRP_Script\(chk_web\) failed/);
          killServer(target);
          backendDown.add(target);
          await sleepHold(holdMs + 1500); // at least one check sees it down
          rec.failureLogged = x.count(/VRRP_Script\(chk_web\) failed/) > before || x.exited;
          startServer(target);
          backendDown.delete(target);
          break;
        }
      }
      phase = 'heal';
      rec.convergeMs = await converge();
      phase = 'idle';
      current = undefined;
      if (rec.convergeMs !== null) {
        // Does the client send to the master now, or to a director that announced a VIP last?
        const right = () =>
          INSTANCES.every((i) => {
            const m = mastersOf(i.name)[0];
            const n = m ? lab.neigh('c', i.vip) : undefined;
            return m === undefined || !n?.lladdr || n.lladdr === lab.host(m).mac;
          });
        const t0 = Date.now();
        rec.clientStaleMs = null;
        for (let first = true; Date.now() - t0 < 10_000; first = false) {
          if (right()) {
            rec.clientStaleMs = first ? 0 : Date.now() - t0;
            break;
          }
          await sleep(100);
        }
      }
      rec.master = mastersOf('VI_1').join('|');
      rec.requests = client.ok4 + client.fail4 + client.ok6 + client.fail6 - (c0.ok4 + c0.fail4 + c0.ok6 + c0.fail6);
      rec.ok = client.ok4 + client.ok6 - (c0.ok4 + c0.ok6);
      rec.requests6 = client.ok6 + client.fail6 - (c0.ok6 + c0.fail6);
      rec.ok6 = client.ok6 - c0.ok6;
      if (rec.convergeMs === null) res.failures.push(`after ${kind} ${rec.target}: no single expected master within ${CONVERGE_MS} ms (${describe()})`);
      else res.oneMasterChecks++;
      if (rec.failureLogged === false) res.failures.push(`after ${kind} ${rec.target}: the daemon logged no script failure`);
      if (rec.pairPing === false) res.failures.push(`partition ${rec.target}: the pair could not ping each other (more than VRRP dropped)`);
      res.faults.push(rec);
      log(
        `  VIP on ${rec.holdersBeforeHeal} before the heal; converged in ${rec.convergeMs} ms${rec.clientStaleMs !== 0 ? ` (client still sent to a non-master for ${rec.clientStaleMs ?? '>10000'} ms more)` : ''}, master ${rec.master}; split brain ${rec.splitHoldMs}+${rec.splitAfterHealMs} ms; client ${rec.ok}/${rec.requests} (IPv6 ${rec.ok6}/${rec.requests6})`,
      );
    }
    clearInterval(monitor);
    monitor = undefined;

    // Graceful stop of everything, then nothing may be left behind.
    const exits = [...daemons.values()].filter((x) => !x.exited);
    for (const x of exits) x.signal('SIGTERM');
    for (const x of exits) if (!(await x.waitExit(10_000))) res.failures.push(`${x.host.name} did not exit on SIGTERM`);
    await sleep(1500);
    res.requests4 = client.ok4 + client.fail4;
    res.ok4 = client.ok4;
    res.requests6 = client.ok6 + client.fail6;
    res.ok6 = client.ok6;
    res.requests = res.requests4 + res.requests6;
    res.ok = res.ok4 + res.ok6;
    for (const d of DIRS) {
      const ns = lab.host(d).ns;
      for (const a of lab.addrs(d, 'eth0')) if (INSTANCES.some((i) => i.vip === a.local)) res.leftovers.push(`${d}: VIP ${a.local} left on eth0`);
      if (existsSync(sockOf(d))) res.leftovers.push(`${d}: control socket ${sockOf(d)} left`);
      for (const a of lab.addrs(d, 'lo')) if (a.local !== '127.0.0.1' && a.local !== '::1') res.leftovers.push(`${d}: ${a.local} left on lo`);
      const before = new Set(routesBefore.get(d));
      for (const r of routeSnapshot(ns)) if (!before.has(r)) res.leftovers.push(`${d}: route left: ${r}`);
      for (const p of namespaceProcs(ns)) if (p.pid !== servers.get(d)) res.leftovers.push(`${d}: process ${p.pid} left: ${p.cmd}`);
    }
    for (const d of DIRS) {
      const x = daemons.get(d);
      if (x && x.exitCode !== 0) res.failures.push(`${d}: exit code ${x.exitCode} after SIGTERM`);
    }
  } finally {
    if (monitor) clearInterval(monitor);
    lab.close();
    lab.cleanupDir();
  }
  res.availability = res.requests > 0 ? res.ok / res.requests : 0;
  for (const k of KINDS) {
    const fs = res.faults.filter((f) => f.kind === k);
    if (fs.length === 0) continue;
    const xs = fs.filter((f) => f.convergeMs !== null).map((f) => f.convergeMs!);
    const req = fs.reduce((a, f) => a + f.requests, 0);
    res.byKind[k] = {
      count: fs.length,
      convergeMedianMs: median(xs),
      convergeMaxMs: xs.length > 0 ? Math.max(...xs) : NaN,
      availability: req > 0 ? fs.reduce((a, f) => a + f.ok, 0) / req : NaN,
      splitHoldMs: fs.reduce((a, f) => a + f.splitHoldMs, 0),
      splitAfterHealMs: fs.reduce((a, f) => a + f.splitAfterHealMs, 0),
      clientStale: fs.filter((f) => f.clientStaleMs !== 0).length,
      clientStaleMaxMs: Math.max(0, ...fs.map((f) => f.clientStaleMs ?? 10_000)),
    };
  }
  return res;
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

if (import.meta.main) {
  const seed = Number(arg('--seed', String(Date.now() % 1_000_000)));
  const minutes = Number(arg('--minutes', '1'));
  console.error(`soak: ${minutes} min, seed ${seed}`);
  const os = await import('node:os');
  const loads: number[] = [];
  const loadTimer = setInterval(() => loads.push(os.loadavg()[0]), 10_000);
  const t0 = Date.now();
  const r = await runSoak({ minutes, seed, prefix: arg('--prefix', 'katsok'), log: (s) => console.error(`[${((Date.now() - t0) / 1000).toFixed(1)}] ${s}`) });
  clearInterval(loadTimer);
  // Faults on the master that moved the IPv4 VIP away from it before the heal (a failover happened).
  const movedOffMaster: Record<string, string> = {};
  for (const k of Object.keys(r.byKind)) {
    const hit = r.faults.filter((f) => f.kind === k && f.wasMaster);
    movedOffMaster[k] = `${hit.filter((f) => !f.holdersBeforeHeal.split(',').includes(f.target.split('|')[0])).length}/${hit.length}`;
  }
  const pct = (x: number) => Number((x * 100).toFixed(3));
  const parts = r.faults.filter((f) => f.kind === 'partition');
  console.log(
    JSON.stringify(
      {
        seed: r.seed,
        minutes: r.minutes,
        faults: r.faults.length,
        byKind: Object.fromEntries(Object.entries(r.byKind).map(([k, v]) => [k, { ...v, availability: pct(v.availability) }])),
        movedOffMaster,
        partitionsWithSplitBrain: `${parts.filter((f) => f.splitHoldMs > 0).length}/${parts.length}`,
        splitBrainMs: r.splitBrainMs,
        requests: r.requests,
        ok: r.ok,
        availability: pct(r.availability),
        availability4: pct(r.requests4 ? r.ok4 / r.requests4 : 0),
        availability6: pct(r.requests6 ? r.ok6 / r.requests6 : 0),
        oneMasterChecks: r.oneMasterChecks,
        failures: r.failures,
        leftovers: r.leftovers,
        ipvs: r.ipvs,
        load1: loads.length > 0 ? { min: Math.min(...loads).toFixed(2), max: Math.max(...loads).toFixed(2) } : os.loadavg()[0].toFixed(2),
      },
      null,
      1,
    ),
  );
  if (r.failures.length > 0 || r.leftovers.length > 0) process.exitCode = 1;
}
