// `keepalived-ts ctl drain|undrain REAL_SERVER`, `ctl maintenance INSTANCE on|off` [--socket PATH]:
// operator overrides sent to the running daemon, which persists them in its --state-file; and
// `ctl schedule` for cron-scheduled drain / maintenance windows (src/daemon/drains.ts); `ctl dump`
// writes keepalived's dumps on request (json stands in for SIGRTMIN+2, which Node cannot catch).
import { controlRequest } from '../obs/control.ts';
import { socketArg } from './cmd-status.ts';

const usage = `Usage: keepalived-ts ctl drain|undrain REAL_SERVER [--socket PATH]
       keepalived-ts ctl maintenance INSTANCE on|off [--socket PATH]
       keepalived-ts ctl schedule list [--socket PATH]
       keepalived-ts ctl schedule add drain|maintenance TARGET 'CRON' SECONDS [TIMEZONE] [--socket PATH]
       keepalived-ts ctl schedule del ID [--socket PATH]
       keepalived-ts ctl dump json|data|stats [--socket PATH]
`;

export async function run(argv: string[]): Promise<number> {
  const { socket, rest } = socketArg(argv);
  const [cmd, ...args] = rest;
  const ok =
    ((cmd === 'drain' || cmd === 'undrain') && args.length === 1) ||
    (cmd === 'maintenance' && args.length === 2 && (args[1] === 'on' || args[1] === 'off')) ||
    (cmd === 'dump' && args.length === 1 && ['json', 'data', 'stats'].includes(args[0])) ||
    (cmd === 'schedule' && ((args[0] === 'list' && args.length === 1) || (args[0] === 'del' && args.length === 2) || (args[0] === 'add' && (args.length === 5 || args.length === 6))));
  if (!ok) {
    process.stderr.write(usage);
    return 2;
  }
  const r = await controlRequest(socket, { cmd, args });
  if (!r.ok) {
    process.stderr.write(`keepalived-ts ctl ${cmd}: ${r.error}\n`);
    return 1;
  }
  process.stdout.write(JSON.stringify(r.data) + '\n');
  return 0;
}
