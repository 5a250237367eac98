// `keepalived-ts status [--json] [--socket PATH]`: the running daemon's instances and real servers,
// over the root-only control socket (default /run/keepalived-ts/control.sock).
import { controlRequest } from '../obs/control.ts';
import { formatStatus } from '../obs/status.ts';
import type { StatusSnapshot } from '../obs/collect.ts';

export const DEFAULT_SOCKET = '/run/keepalived-ts/control.sock';

export function socketArg(argv: string[]): { socket: string; rest: string[] } {
  let socket = DEFAULT_SOCKET;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--socket' || argv[i] === '--control-socket') socket = argv[++i] ?? socket;
    else if (argv[i].startsWith('--socket=')) socket = argv[i].slice(9);
    else rest.push(argv[i]);
  }
  return { socket, rest };
}

export async function run(argv: string[]): Promise<number> {
  const { socket, rest } = socketArg(argv);
  const json = rest.includes('--json');
  const unknown = rest.filter((a) => a !== '--json');
  if (unknown.length) {
    process.stderr.write(`keepalived-ts status: unexpected argument '${unknown[0]}'\nUsage: keepalived-ts status [--json] [--socket PATH]\n`);
    return 2;
  }
  const r = await controlRequest(socket, { cmd: 'status' });
  if (!r.ok) {
    process.stderr.write(`keepalived-ts status: ${r.error}\n`);
    return 1;
  }
  process.stdout.write(json ? JSON.stringify(r.data, null, 2) + '\n' : formatStatus(r.data as StatusSnapshot));
  return 0;
}
