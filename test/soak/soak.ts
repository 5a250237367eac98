// Chaos soak with real daemons in namespaces (issue 6):
//
//   node test/soak/soak.ts --minutes N [--seed S] [--prefix katsok]
//
// Three directors (d1 140, d2 120, d3 100; VRRPv3, advert_int 0.1, one VIP) each with a tiny HTTP
// server on :8080 and a track_script (interval 1 s, timeout 1 s, weight -50) that hangs past its
// timeout while a flag file exists; a client namespace requests http://VIP:8080/ every 20 ms.
// Faults, one at a time, drawn from the seed: kill -9 of a daemon with its link down (a host
// crash: the VIP stays on the dead host's interface; the restart removes it), SIGTERM + restart,
// SIGHUP with a changed priority, a link flap, a partition of a pair (bridge port isolation: the
// pair hear nothing from each other, both still hear the rest; this host has neither nft/iptables
// nor tc actions), and a hanging track script. After each heal it measures the time until the
// expected master (highest effective priority among running directors) alone holds the VIP and is
// the only one whose last state is MASTER, continuously for 1 s (convergence), and counts a failure
// if that takes over 20 s. At the end: graceful stop of all, then no VIP, no extra lo address and
// no process (other than our HTTP servers) may be left in any director namespace.
// Prints one JSON summary; exit 1 on any failure. runSoak() is used by test/netns/soak-sample.test.ts.
import { join } from 'node:path';
import { writeFileSync, chmodSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { Lab, conf, instanceBlock, sh, sleep, type Daemon } from '../lib/lab.ts';
import { makeRng } from '../sim/prng.ts';

export const SOAK_VIP = '10.99.0.100';
const DIRS = ['d1', 'd2', 'd3'] as const;
type Dir = (typeof DIRS)[number];
const BASE: Record<Dir, number> = { d1: 140, d2: 120, d3: 100 };
const IPS: Record<Dir, string> = { d1: '10.99.0.1', d2: '10.99.0.2', d3: '10.99.0.3' };
const KINDS = ['kill9', 'term', 'hup', 'flap', 'partition', 'hang'] as const;
type Kind = (typeof KINDS)[number];
const CONVERGE_MS = 20_000;
const STABLE_MS = 1000;

export interface SoakOptions {
  minutes: number;
  seed: number;
  prefix: string;
  log?: (s: string) => void;
}

export interface FaultRecord {
  kind: Kind;
  target: string;
  wasMaster: boolean;
  holdMs: number;
  convergeMs: number | null;
  master: string;
  /** Who held the VIP just before the heal (did the fault move it?). */
  holdersBeforeHeal: string;
}

export interface SoakResult {
  seed: number;
  minutes: number;
  faults: FaultRecord[];
  requests: number;
  ok: number;
  availability: number;
  /** Client availability while a fault was active and while converging, per fault kind. */
  convergeMedianMs: Record<string, number>;
  convergeMaxMs: Record<string, number>;
  /** Checks of "exactly one master, the expected one" after convergence that held. */
  oneMasterChecks: number;
  failures: string[];
  leftovers: string[];
}

const CLIENT = `
const http = require('http');
let ok = 0, fail = 0;
const by = {};
setInterval(() => {
  const req = http.get({ host: process.argv[1], port: 8080, path: '/', timeout: 300, agent: false }, (res) => {
    let b = '';
    res.on('data', (d) => (b += d));
    res.on('end', () => { ok++; by[b] = (by[b] || 0) + 1; });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => fail++);
}, 20);
setInterval(() => { console.log(JSON.stringify({ t: Date.now(), ok, fail, by })); }, 1000);
`;

const SERVER = `require('http').createServer((q, s) => s.end(process.argv[1])).listen(8080, '0.0.0.0');`;

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
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
    convergeMedianMs: {},
    convergeMaxMs: {},
    oneMasterChecks: 0,
    failures: [],
    leftovers: [],
  };
  const daemons = new Map<Dir, Daemon>();
  const prio: Record<Dir, number> = { ...BASE };
  const hanging = new Set<Dir>();
  const servers = new Map<Dir, number>();
  let clientLast = { ok: 0, fail: 0 };
  try {
    lab.setup([...DIRS.map((d) => ({ name: d, ip4: IPS[d] })), { name: 'c', ip4: '10.99.0.9' }]);
    const chk = join(lab.dir, 'chk.sh');
    writeFileSync(chk, `#!/bin/sh\nif [ -e "${lab.dir}/hang-$1" ]; then sleep 30; fi\nexit 0\n`);
    chmodSync(chk, 0o755);
    const confOf = (d: Dir) =>
      conf(
        ['vrrp_script chk_hang {', `  script "${chk} ${d}"`, '  interval 1', '  timeout 1', '  weight -50', '  fall 1', '  rise 1', '}'].join('\n'),
        instanceBlock({ priority: prio[d], advert: '0.1', vips: [`${SOAK_VIP}/32`], extra: ['track_script {', '  chk_hang', '}'] }),
      );
    // Each daemon its own control socket (the default path is shared by every namespace).
    const sockOf = (d: Dir) => join(lab.dir, `${d}.sock`);
    const start = (d: Dir) => daemons.set(d, lab.start(d, confOf(d), ['--control-socket', sockOf(d)]));
    for (const d of DIRS) {
      const p = lab.spawnIn(d, process.execPath, ['-e', SERVER, d]);
      servers.set(d, p.pid!);
      start(d);
    }
    const client = lab.spawnIn('c', process.execPath, ['-e', CLIENT, SOAK_VIP]);
    let cbuf = '';
    client.stdout!.on('data', (b: Buffer) => {
      cbuf += b.toString();
      let i;
      while ((i = cbuf.indexOf('\n')) >= 0) {
        try {
          clientLast = JSON.parse(cbuf.slice(0, i)) as { ok: number; fail: number };
        } catch {
          // partial line
        }
        cbuf = cbuf.slice(i + 1);
      }
    });

    const running = (d: Dir) => {
      const x = daemons.get(d);
      return x !== undefined && !x.exited;
    };
    const lastState = (d: Dir) => {
      const x = daemons.get(d);
      if (!x || x.exited) return 'DOWN';
      for (let i = x.lines.length - 1; i >= 0; i--) {
        const m = /\(VI_1\) Entering (\w+) STATE/.exec(x.lines[i]);
        if (m) return m[1];
      }
      return 'INIT';
    };
    const expected = (): Dir => {
      let best: Dir = 'd1';
      let bp = -1;
      for (const d of DIRS) {
        if (!running(d)) continue;
        const p = prio[d] - (hanging.has(d) ? 50 : 0);
        if (p > bp) [best, bp] = [d, p];
      }
      return best;
    };
    const holders = () => lab.holders(SOAK_VIP, [...DIRS]);
    const good = () => {
      const e = expected();
      const masters = DIRS.filter((d) => lastState(d) === 'MASTER');
      return holders().join() === e && masters.join() === e;
    };
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

    const first = await converge();
    if (first === null) res.failures.push(`no initial convergence: holders ${holders().join()} states ${DIRS.map(lastState).join()}`);
    else res.oneMasterChecks++;
    log(`converged at start in ${first} ms, master ${expected()}`);

    const end = Date.now() + o.minutes * 60_000;
    while (Date.now() < end) {
      const kind = rng.pick(KINDS);
      const master = expected();
      // Half the faults hit the master (the interesting case), the rest a random director.
      const target: Dir = rng.chance(0.5) ? master : rng.pick(DIRS);
      const holdMs = Math.round(rng.range(1000, 4000));
      const rec: FaultRecord = { kind, target, wasMaster: target === master, holdMs, convergeMs: null, master: '', holdersBeforeHeal: '' };
      const sleepHold = async (ms: number) => {
        await sleep(ms);
        rec.holdersBeforeHeal = holders().join() || '-';
      };
      log(`${kind} ${target}${rec.wasMaster ? ' (master)' : ''} for ${holdMs} ms`);
      switch (kind) {
        case 'kill9': {
          daemons.get(target)!.crash();
          lab.linkSet(target, false);
          await sleepHold(holdMs);
          await daemons.get(target)!.waitExit(2000);
          start(target); // removes the VIP the crashed run left on eth0
          await sleep(300);
          lab.linkSet(target, true);
          break;
        }
        case 'term': {
          const x = daemons.get(target)!;
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
          const other = rng.pick(DIRS.filter((d) => d !== target));
          rec.target = `${target}|${other}`;
          for (const d of [target, other]) sh('bridge', ['-n', lab.brNs, 'link', 'set', 'dev', lab.portName(d), 'isolated', 'on']);
          await sleepHold(holdMs);
          for (const d of [target, other]) sh('bridge', ['-n', lab.brNs, 'link', 'set', 'dev', lab.portName(d), 'isolated', 'off']);
          break;
        }
        case 'hang': {
          writeFileSync(join(lab.dir, `hang-${target}`), '');
          hanging.add(target);
          await sleepHold(holdMs + 2000); // at least one run times out
          rmSync(join(lab.dir, `hang-${target}`), { force: true });
          hanging.delete(target);
          break;
        }
      }
      rec.convergeMs = await converge();
      rec.master = expected();
      if (rec.convergeMs === null) {
        res.failures.push(
          `after ${kind} ${rec.target}: no single expected master ${rec.master} within ${CONVERGE_MS} ms (holders ${holders().join() || '-'}, states ${DIRS.map((d) => `${d}=${lastState(d)}`).join(' ')})`,
        );
      } else res.oneMasterChecks++;
      res.faults.push(rec);
      log(`  VIP on ${rec.holdersBeforeHeal} before the heal; converged in ${rec.convergeMs} ms, master ${rec.master}`);
    }

    // Graceful stop of everything, then nothing may be left behind.
    const exits = [...daemons.values()].filter((x) => !x.exited);
    for (const x of exits) x.signal('SIGTERM');
    for (const x of exits) if (!(await x.waitExit(10_000))) res.failures.push(`${x.host.name} did not exit on SIGTERM`);
    await sleep(1500);
    res.requests = clientLast.ok + clientLast.fail;
    res.ok = clientLast.ok;
    for (const d of DIRS) {
      for (const a of lab.addrs(d, 'eth0')) if (a.local === SOAK_VIP) res.leftovers.push(`${d}: VIP ${a.local} left on eth0`);
      if (existsSync(sockOf(d))) res.leftovers.push(`${d}: control socket ${sockOf(d)} left`);
      for (const a of lab.addrs(d, 'lo')) if (a.local !== '127.0.0.1' && a.local !== '::1') res.leftovers.push(`${d}: ${a.local} left on lo`);
      const pids = sh('ip', ['netns', 'pids', lab.host(d).ns], { allowFail: true }).split(/\s+/).filter(Boolean).map(Number);
      for (const p of pids) {
        if (p === servers.get(d)) continue;
        let cmd = '?';
        try {
          cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
        } catch {
          continue; // exited meanwhile
        }
        res.leftovers.push(`${d}: process ${p} left: ${cmd}`);
      }
    }
    for (const d of DIRS) {
      const x = daemons.get(d);
      if (x && x.exitCode !== 0) res.failures.push(`${d}: exit code ${x.exitCode} after SIGTERM`);
    }
  } finally {
    lab.close();
    lab.cleanupDir();
  }
  res.availability = res.requests > 0 ? res.ok / res.requests : 0;
  for (const k of KINDS) {
    const xs = res.faults.filter((f) => f.kind === k && f.convergeMs !== null).map((f) => f.convergeMs!);
    if (xs.length > 0) {
      res.convergeMedianMs[k] = median(xs);
      res.convergeMaxMs[k] = Math.max(...xs);
    }
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
  const t0 = Date.now();
  const r = await runSoak({ minutes, seed, prefix: arg('--prefix', 'katsok'), log: (s) => console.error(`[${((Date.now() - t0) / 1000).toFixed(1)}] ${s}`) });
  const byKind: Record<string, number> = {};
  for (const f of r.faults) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
  // Faults on the master that moved the VIP away from it before the heal (a failover happened).
  const movedOffMaster: Record<string, string> = {};
  for (const k of Object.keys(byKind)) {
    const hit = r.faults.filter((f) => f.kind === k && f.wasMaster);
    movedOffMaster[k] = `${hit.filter((f) => !f.holdersBeforeHeal.split(',').includes(f.target.split('|')[0])).length}/${hit.length}`;
  }
  console.log(
    JSON.stringify(
      {
        seed: r.seed,
        minutes: r.minutes,
        faults: r.faults.length,
        byKind,
        movedOffMaster,
        requests: r.requests,
        ok: r.ok,
        availability: Number((r.availability * 100).toFixed(3)),
        convergeMedianMs: r.convergeMedianMs,
        convergeMaxMs: r.convergeMaxMs,
        oneMasterChecks: r.oneMasterChecks,
        failures: r.failures,
        leftovers: r.leftovers,
        loadavg: (await import('node:os')).loadavg().map((x) => x.toFixed(2)),
      },
      null,
      1,
    ),
  );
  if (r.failures.length > 0 || r.leftovers.length > 0) process.exitCode = 1;
}
