// `keepalived-ts ipvs list [--stats|--rate|--thresholds|--persistent-conn|--tun-info] [--exact]
// [--timeout] [--daemon] [--netns NAME]`:
// the kernel's IPVS table printed exactly as `ipvsadm -Ln` prints it, read through our own
// generic-netlink client, so a director can be debugged without ipvsadm installed.
import type { IpvsClient as IpvsClientType } from '../ipvs/client.ts';

const USAGE = `Usage: keepalived-ts ipvs list [--stats | --rate | --thresholds | --persistent-conn | --tun-info] [--exact] [--netns NAME]
       keepalived-ts ipvs list --timeout | --daemon [--netns NAME]
Prints the IPVS table as \`ipvsadm -Ln\` does (addresses are always numeric).
`;

interface ListArgs {
  stats: boolean;
  rate: boolean;
  exact: boolean;
  thresholds: boolean;
  persistentConn: boolean;
  tunInfo: boolean;
  timeout: boolean;
  daemon: boolean;
  netns?: string;
}

function parse(argv: string[]): ListArgs | string {
  const a: ListArgs = { stats: false, rate: false, exact: false, thresholds: false, persistentConn: false, tunInfo: false, timeout: false, daemon: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--stats') a.stats = true;
    else if (x === '--rate') a.rate = true;
    else if (x === '--exact' || x === '-x') a.exact = true;
    else if (x === '--thresholds') a.thresholds = true;
    else if (x === '--persistent-conn') a.persistentConn = true;
    else if (x === '--tun-info') a.tunInfo = true;
    else if (x === '--timeout') a.timeout = true;
    else if (x === '--daemon') a.daemon = true;
    else if (x === '-n' || x === '--numeric') continue; // always numeric
    else if (x === '--netns') {
      const v = argv[++i];
      if (!v) return '--netns needs a namespace name';
      a.netns = v;
    } else if (x.startsWith('--netns=')) a.netns = x.slice('--netns='.length);
    else return `unknown option ${x}`;
  }
  if (a.stats && a.rate) return '--stats and --rate cannot be combined';
  return a;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
    process.stdout.write(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'list') {
    process.stderr.write(`keepalived-ts ipvs: unknown subcommand ${sub}\n${USAGE}`);
    return 2;
  }
  const args = parse(rest);
  if (typeof args === 'string') {
    process.stderr.write(`keepalived-ts ipvs list: ${args}\n${USAGE}`);
    return 2;
  }
  const { IpvsClient } = await import('../ipvs/client.ts');
  const fmt = await import('../ipvs/format.ts');
  let client: IpvsClientType | undefined;
  try {
    client = await IpvsClient.open({ netns: args.netns });
    let out: string;
    if (args.timeout) out = fmt.formatTimeouts(await client.getTimeouts());
    else if (args.daemon) out = fmt.formatDaemons(await client.getDaemons());
    else {
      const info = await client.getInfo();
      const table = await client.getTable();
      out = fmt.formatList(info, table, { stats: args.stats, rate: args.rate, exact: args.exact, thresholds: args.thresholds, persistentConn: args.persistentConn, tunInfo: args.tunInfo });
    }
    process.stdout.write(out);
    return 0;
  } catch (e) {
    process.stderr.write(`keepalived-ts ipvs list: ${(e as Error).message}\n`);
    return 1;
  } finally {
    client?.close();
  }
}
