// Client-side packet capture and its analysis (keepalived-bench.md "Method"): tcpdump at the
// client records VRRP, ARP and ICMP; tshark turns the capture into rows; the figures come from
// the wire, which is a better clock than any daemon's log.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface Row {
  t: number;
  ethSrc: string;
  ipSrc: string;
  ipDst: string;
  vrrpPrio: number | null;
  arpOp: number | null;
  arpSrcIp: string;
  icmpType: number | null;
  icmpSeq: number | null;
}

export class Capture {
  private tcpdump: ChildProcess;
  private ping: ChildProcess | null = null;
  readonly file: string;

  constructor(ns: string, file: string) {
    this.file = file;
    this.tcpdump = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', 'eth0', '--immediate-mode', '-U', '-w', file, 'vrrp or arp or icmp'], { stdio: 'ignore' });
  }

  startProbe(ns: string, target: string, intervalSec: number): void {
    this.ping = spawn('ip', ['netns', 'exec', ns, 'ping', '-n', '-q', '-i', String(intervalSec), '-W', '1', target], { stdio: 'ignore' });
  }

  async stop(): Promise<void> {
    this.ping?.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 200));
    this.tcpdump.kill('SIGINT');
    await new Promise<void>((r) => {
      if (this.tcpdump.exitCode !== null) return r();
      this.tcpdump.once('exit', () => r());
      setTimeout(r, 3000);
    });
  }
}

export function readCapture(file: string): Row[] {
  const fields = ['frame.time_epoch', 'eth.src', 'ip.src', 'ip.dst', 'vrrp.prio', 'arp.opcode', 'arp.src.proto_ipv4', 'icmp.type', 'icmp.seq'];
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=\t', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const rows: Row[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const c = line.split('\t');
    const num = (s: string | undefined) => (s === undefined || s === '' ? null : Number(s.split(',')[0]));
    rows.push({
      t: Number(c[0]) * 1000,
      ethSrc: c[1] ?? '',
      ipSrc: c[2] ?? '',
      ipDst: c[3] ?? '',
      vrrpPrio: num(c[4]),
      arpOp: num(c[5]),
      arpSrcIp: c[6] ?? '',
      icmpType: num(c[7]),
      icmpSeq: num(c[8]),
    });
  }
  return rows;
}

export interface Figures {
  /** ms after T0: the new master's first advert with priority > 0. */
  firstAdvert: number | null;
  firstGarp: number | null;
  firstReply: number | null;
  /** first advert minus the old master's last VRRP packet before it. */
  timer: number | null;
  /** first reply via the new master minus the last reply via the old one. */
  outage: number | null;
  lostProbes: number;
}

export function analyze(rows: Row[], t0: number, oldMac: string, newMac: string, vip: string): Figures {
  const after = rows.filter((r) => r.t >= t0);
  const adv = after.find((r) => r.ethSrc === newMac && r.vrrpPrio !== null && r.vrrpPrio > 0);
  const garp = after.find((r) => r.ethSrc === newMac && r.arpOp !== null && r.arpSrcIp === vip);
  const reply = after.find((r) => r.ethSrc === newMac && r.icmpType === 0 && r.ipSrc === vip);
  let timer: number | null = null;
  if (adv) {
    const lastOld = rows.filter((r) => r.t <= adv.t && r.ethSrc === oldMac && r.vrrpPrio !== null).pop();
    if (lastOld) timer = adv.t - lastOld.t;
  }
  let outage: number | null = null;
  if (reply) {
    const lastOldReply = rows.filter((r) => r.t <= reply.t && r.ethSrc === oldMac && r.icmpType === 0 && r.ipSrc === vip).pop();
    if (lastOldReply) outage = reply.t - lastOldReply.t;
  }
  const requests = after.filter((r) => r.icmpType === 8 && r.ipDst === vip).map((r) => r.icmpSeq);
  const replied = new Set(after.filter((r) => r.icmpType === 0 && r.ipSrc === vip).map((r) => r.icmpSeq));
  const lastReq = requests.length;
  // The last few requests may still be in flight when the capture stops: do not count them.
  const lostProbes = requests.slice(0, Math.max(0, lastReq - 3)).filter((s) => !replied.has(s)).length;
  const rel = (r: Row | undefined) => (r ? r.t - t0 : null);
  return { firstAdvert: rel(adv), firstGarp: rel(garp), firstReply: rel(reply), timer, outage, lostProbes };
}
