// keepalived's command line (keepalived(8), `keepalived --help` of 2.2.7), parsed into typed
// options. Pure: argv in, options or an error message out. Flags keepalived has that make no sense
// for a single Node process (-R respawn, -m core dumps, SNMP) are accepted and reported as ignored
// so that existing unit files and init scripts keep working.

export interface DaemonOptions {
  configFile: string;
  /** -P: run only the VRRP side. */
  vrrpOnly: boolean;
  /** -C: run only health checks and LVS. */
  checkOnly: boolean;
  logConsole: boolean;
  logDetail: boolean;
  /** `--log-format keepalived` prints keepalived's lines instead of pino JSON. */
  logFormat: 'json' | 'keepalived';
  logFile?: string;
  pidFile?: string;
  configId?: string;
  /** -V: leave VIPs on exit. */
  dontReleaseVrrp: boolean;
  /** -I: leave the IPVS table on exit. */
  dontReleaseIpvs: boolean;
  /** -X: drop VIPs on transitions caused by a signal or reload. */
  releaseVips: boolean;
  /** Where the control socket listens (status / ctl). */
  controlSocket: string;
  /** Directory for SIGUSR1/SIGUSR2/JSON dumps (keepalived writes to its tmp dir). */
  dumpDir: string;
  /** `--metrics [ADDR:]PORT`: the Prometheus endpoint (off by default; loopback unless ADDR). */
  metrics?: string;
  /** `--state-file PATH`: drains and maintenance set by `ctl`, kept across reloads and restarts. */
  stateFile?: string;
  /** Accepted for compatibility and ignored, with the reason. */
  ignored: string[];
}

export type ParseResult = { ok: true; options: DaemonOptions } | { ok: false; error: string };

interface FlagSpec {
  short?: string;
  long: string;
  /** Takes a value (`-f X`, `-fX`, `--use-file=X`, `--use-file X`). */
  value?: 'required' | 'optional';
  apply: (o: DaemonOptions, v: string | undefined) => string | void;
}

const ignoredFlag =
  (why: string): FlagSpec['apply'] =>
  (o, v) => {
    o.ignored.push(v === undefined ? why : `${why} (${v})`);
  };

const flags: FlagSpec[] = [
  { short: 'f', long: 'use-file', value: 'required', apply: (o, v) => void (o.configFile = v!) },
  { short: 'P', long: 'vrrp', apply: (o) => void (o.vrrpOnly = true) },
  { short: 'C', long: 'check', apply: (o) => void (o.checkOnly = true) },
  { short: 'l', long: 'log-console', apply: (o) => void (o.logConsole = true) },
  { short: 'D', long: 'log-detail', apply: (o) => void (o.logDetail = true) },
  { short: 'n', long: 'dont-fork', apply: () => undefined },
  { short: 'p', long: 'pid', value: 'required', apply: (o, v) => void (o.pidFile = v) },
  { short: 'i', long: 'config-id', value: 'required', apply: (o, v) => void (o.configId = v) },
  { short: 'V', long: 'dont-release-vrrp', apply: (o) => void (o.dontReleaseVrrp = true) },
  { short: 'I', long: 'dont-release-ipvs', apply: (o) => void (o.dontReleaseIpvs = true) },
  { short: 'X', long: 'release-vips', apply: (o) => void (o.releaseVips = true) },
  { short: 'g', long: 'log-file', value: 'required', apply: (o, v) => void (o.logFile = v) },
  {
    long: 'log-format',
    value: 'required',
    apply: (o, v) => {
      if (v !== 'json' && v !== 'keepalived') return `--log-format must be json or keepalived, not '${v}'`;
      o.logFormat = v;
    },
  },
  { long: 'control-socket', value: 'required', apply: (o, v) => void (o.controlSocket = v!) },
  { long: 'dump-dir', value: 'required', apply: (o, v) => void (o.dumpDir = v!) },
  {
    long: 'metrics',
    value: 'required',
    apply: (o, v) => {
      if (!/^(?:\[[0-9a-fA-F:.]+\]:|[^:\s]+:)?\d{1,5}$/.test(v!) || Number(v!.split(':').at(-1)) > 65535) return `--metrics wants [ADDR:]PORT, not '${v}'`;
      o.metrics = v;
    },
  },
  { long: 'state-file', value: 'required', apply: (o, v) => void (o.stateFile = v!) },
  { short: 'r', long: 'vrrp_pid', value: 'required', apply: ignoredFlag('-r: one process, one pid file (-p)') },
  { short: 'c', long: 'checkers_pid', value: 'required', apply: ignoredFlag('-c: one process, one pid file (-p)') },
  { short: 'b', long: 'bfd_pid', value: 'required', apply: ignoredFlag('-b: BFD is not supported') },
  { short: 'B', long: 'no_bfd', apply: () => undefined },
  { short: 'R', long: 'dont-respawn', apply: ignoredFlag('-R: there are no child processes to respawn') },
  { short: 'S', long: 'log-facility', value: 'required', apply: ignoredFlag('-S: logs go to stdout/journald, not syslog') },
  { short: 'G', long: 'no-syslog', apply: () => undefined },
  { short: 'm', long: 'core-dump', apply: ignoredFlag('-m: core dumps are the runtime\'s business') },
  { short: 'x', long: 'snmp', apply: ignoredFlag('-x: SNMP is not supported; use the Prometheus endpoint') },
  { short: 'a', long: 'address-monitoring', apply: ignoredFlag('-a: address monitoring lines are not implemented') },
  { long: 'all', apply: () => undefined },
];

export function defaultOptions(): DaemonOptions {
  return {
    configFile: '/etc/keepalived/keepalived.conf',
    vrrpOnly: false,
    checkOnly: false,
    logConsole: false,
    logDetail: false,
    logFormat: 'json',
    dontReleaseVrrp: false,
    dontReleaseIpvs: false,
    releaseVips: false,
    controlSocket: '/run/keepalived-ts/control.sock',
    dumpDir: '/tmp',
    ignored: [],
  };
}

export function parseDaemonArgs(argv: string[]): ParseResult {
  const o = defaultOptions();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    let spec: FlagSpec | undefined;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      spec = flags.find((f) => f.long === name);
      if (!spec) return { ok: false, error: `unknown option '${a}'` };
      if (eq >= 0) inline = a.slice(eq + 1);
    } else if (a.startsWith('-') && a.length >= 2) {
      spec = flags.find((f) => f.short === a[1]);
      if (!spec) return { ok: false, error: `unknown option '${a}'` };
      if (a.length > 2) {
        if (spec.value) inline = a.slice(2);
        else {
          // Bundled short flags like -nlD.
          const rest = a
            .slice(1)
            .split('')
            .map((c) => '-' + c);
          argv = [...argv.slice(0, i), ...rest, ...argv.slice(i + 1)];
          i--;
          continue;
        }
      }
    } else {
      return { ok: false, error: `unexpected argument '${a}'` };
    }
    let value: string | undefined = inline;
    if (spec.value === 'required' && value === undefined) {
      value = argv[++i];
      if (value === undefined) return { ok: false, error: `option '${a}' needs a value` };
    }
    const err = spec.apply(o, value);
    if (err) return { ok: false, error: err };
  }
  if (o.vrrpOnly && o.checkOnly) return { ok: false, error: '-P (VRRP only) and -C (checks only) exclude each other' };
  return { ok: true, options: o };
}
