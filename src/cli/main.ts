// Command line: keepalived's flags (so `keepalived-ts -f FILE -n -l -D` is a drop-in) plus the
// subcommands keepalived lacks. Each subcommand lives in its own file and is loaded on demand so
// a daemon start does not pay for the tools.

export type CommandRun = (argv: string[]) => Promise<number>;

const subcommands: Record<string, () => Promise<{ run: CommandRun }>> = {
  'check-config': () => import('./cmd-check-config.ts'),
  ipvs: () => import('./cmd-ipvs.ts'),
  genhash: () => import('./cmd-genhash.ts'),
  status: () => import('./cmd-status.ts'),
  ctl: () => import('./cmd-ctl.ts'),
  cleanup: () => import('./cmd-cleanup.ts'),
};

export const usage = `Usage: keepalived-ts [OPTION...]            run the daemon (keepalived's flags)
       keepalived-ts check-config FILE [--json] [--no-host-checks]
       keepalived-ts ipvs list [--stats]
       keepalived-ts genhash -s HOST -p PORT -u PATH [--ssl]
       keepalived-ts status [--json] [--socket PATH]
       keepalived-ts ctl drain|undrain REAL_SERVER [--socket PATH]
       keepalived-ts ctl maintenance INSTANCE on|off [--socket PATH]
       keepalived-ts ctl schedule list|add drain|maintenance TARGET 'CRON' SECONDS|del ID
       keepalived-ts cleanup [-f FILE] [-V] [-I]   what a killed daemon left (systemd ExecStopPost)

Daemon options (as keepalived):
  -f, --use-file=FILE      configuration file (default /etc/keepalived/keepalived.conf)
  -t, --config-test        check the configuration and exit
  -n, --dont-fork          stay in the foreground (always true)
  -l, --log-console        log to the console
  -D, --log-detail         detailed logging
  -p, --pid=FILE           pid file
      --control-socket=PATH  status/ctl socket (default /run/keepalived-ts/control.sock)
      --metrics=[ADDR:]PORT  Prometheus endpoint (off by default; 127.0.0.1 unless ADDR)
      --state-file=PATH      where ctl drains and maintenance persist
  -v, --version            print the version
  -h, --help               this help
`;

export async function main(argv: string[]): Promise<void> {
  const code = await dispatch(argv);
  process.exitCode = code;
}

export async function dispatch(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first !== undefined && first in subcommands) {
    const mod = await subcommands[first]();
    return mod.run(rest);
  }
  if (first === '-h' || first === '--help') {
    process.stdout.write(usage);
    return 0;
  }
  if (first === '-v' || first === '--version') {
    const { version } = await import('./version.ts');
    process.stdout.write(`keepalived-ts ${version}\n`);
    return 0;
  }
  // `-t -f FILE` / `--config-test`: keepalived's config test maps onto check-config.
  if (argv.includes('-t') || argv.includes('--config-test')) {
    const file = optionValue(argv, '-f', '--use-file') ?? '/etc/keepalived/keepalived.conf';
    const mod = await subcommands['check-config']();
    return mod.run([file]);
  }
  const daemon = await import('../daemon/cli.ts');
  return daemon.run(argv);
}

/** Reads `-f X`, `-fX`, `--use-file=X` or `--use-file X`. */
export function optionValue(argv: string[], short: string, long: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === short || a === long) return argv[i + 1];
    if (a.startsWith(long + '=')) return a.slice(long.length + 1);
    if (a.startsWith(short) && a.length > short.length && !a.startsWith('--')) return a.slice(short.length);
  }
  return undefined;
}
