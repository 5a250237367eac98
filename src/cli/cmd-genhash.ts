// `keepalived-ts genhash -s HOST -p PORT -u PATH [--ssl] [-V VHOST]`: the MD5 digest of a URL's
// body, printed the way keepalived's genhash (`keepalived --genhash`, check_genhash.c /
// check_http.c http_handle_response) prints it: 32 lowercase hex digits and a newline, ready to
// paste into `digest`. Options as keepalived: -S/--use-ssl (also --ssl), -s/--server,
// -p/--port, -u/--url, -V/--use-virtualhost, -I/--use-sni, -P/--protocol 1.0|1.0c|1.1 (default
// 1.0, as genhash), -t/--timeout SECONDS, -v/--verbose (status line and byte count on stderr).
import { isIP } from 'node:net';
import { fetchOnce } from '../../checks/http-lite.ts';
import { hostHeader, type HttpProtocol } from '../../checks/http-common.ts';

const usage = `Usage: keepalived-ts genhash -s server-address -p port -u url [OPTIONS]
Options:
   --use-ssl         -S       Use SSL connection to remote server (also --ssl).
   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).
   --server          -s       Use the specified remote server address.
   --port            -p       Use the specified remote server port.
   --url             -u       Use the specified remote server url.
   --use-virtualhost -V       Use the specified virtualhost in GET query.
   --verbose         -v       Use verbose mode output.
   --help            -h       Display this short inlined help screen.
   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.
   --timeout         -t       Timeout in seconds
`;

interface GenhashArgs {
  server?: string;
  port?: number;
  url?: string;
  ssl: boolean;
  sni: boolean;
  vhost?: string;
  verbose: boolean;
  proto: HttpProtocol;
  timeoutMs: number;
  help: boolean;
}

export function parseGenhashArgs(argv: string[]): GenhashArgs | string {
  const a: GenhashArgs = { ssl: false, sni: false, verbose: false, proto: '1.0', timeoutMs: 5000, help: false };
  const withValue: Record<string, string> = {
    '-s': 'server',
    '--server': 'server',
    '-p': 'port',
    '--port': 'port',
    '-u': 'url',
    '--url': 'url',
    '-V': 'vhost',
    '--use-virtualhost': 'vhost',
    '-P': 'proto',
    '--protocol': 'proto',
    '-t': 'timeout',
    '--timeout': 'timeout',
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline: string | undefined;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    } else if (/^-[spuVPt]./.test(arg)) {
      inline = arg.slice(2);
      arg = arg.slice(0, 2);
    }
    if (arg === '-S' || arg === '--use-ssl' || arg === '--ssl') a.ssl = true;
    else if (arg === '-I' || arg === '--use-sni') a.sni = true;
    else if (arg === '-v' || arg === '--verbose') a.verbose = true;
    else if (arg === '-h' || arg === '--help') a.help = true;
    else if (arg in withValue) {
      const v = inline ?? argv[++i];
      if (v === undefined) return `option ${arg} needs a value`;
      const key = withValue[arg];
      if (key === 'server') {
        if (!isIP(v)) return `server should be an IP, not ${v}`;
        a.server = v;
      } else if (key === 'port') {
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) return `invalid port number '${v}'`;
        a.port = Number(v);
      } else if (key === 'url') a.url = v;
      else if (key === 'vhost') a.vhost = v;
      else if (key === 'proto') {
        const p = v.toUpperCase();
        if (p !== '1.0' && p !== '1.0C' && p !== '1.1') return `invalid HTTP protocol version '${v}'`;
        a.proto = p;
      } else if (key === 'timeout') {
        if (!/^\d+$/.test(v.trim())) return `invalid timeout '${v}'`;
        a.timeoutMs = Number(v.trim()) * 1000;
      }
    } else return `Unexpected argument(s): ${arg}`;
  }
  return a;
}

export async function run(argv: string[]): Promise<number> {
  const a = parseGenhashArgs(argv);
  if (typeof a === 'string') {
    process.stderr.write(`${a}\n${usage}`);
    return 1;
  }
  if (a.help) {
    process.stderr.write(usage);
    return 0;
  }
  if (!a.server || !a.port || !a.url) {
    process.stderr.write(usage);
    return 1;
  }
  const target = { host: a.server, port: a.port };
  const host = hostHeader(target, a.vhost);
  const o = await fetchOnce(target, a.url, host, {
    tls: a.ssl,
    timeoutMs: a.timeoutMs,
    sni: a.sni && a.vhost ? a.vhost : undefined,
    httpProtocol: a.proto,
    hashBody: true,
  });
  if (!o.ok) {
    process.stderr.write(o.reason === 'timeout' ? `Timeout connecting server [${a.server}]:${a.port}. (${o.detail})\n` : `Connection failed server [${a.server}]:${a.port}: ${o.detail}\n`);
    return 1;
  }
  if (a.verbose) process.stderr.write(`HTTP status ${o.status}, ${o.bodyBytes ?? 0} body bytes\n`);
  if (!o.bodyBytes) {
    process.stderr.write('no data received from remote webserver\n');
    return 1;
  }
  process.stdout.write(`${o.md5}\n`);
  return 0;
}
