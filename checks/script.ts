// vrrp_script and MISC_CHECK probes: run a command, judge its exit status.
//
// keepalived behaviour reproduced here:
//  * Command parsing (lib/parser.c alloc_strvec_quoted_escaped): the configured string is split on
//    white space; '...' and "..." group words (quotes removed); backslash escapes (\n \t \xHH \nnn
//    \cC \a \b \E \f \r \v, anything else literal) work inside and outside quotes. No shell
//    expansion of any kind happens here.
//  * Exec model (core/notify.c system_call_script / check_script_secure): a bare word is searched
//    in PATH; if the file is executable it is execve'd with the split argv, no shell. A command
//    starting with '<' or '>' (e.g. `</dev/tcp/127.0.0.1/80`) and an executable without a magic
//    number (keepalived built with libmagic) go through `/bin/sh -c` with every argument
//    single-quoted (cmd_str). A missing or non-executable file is not run (reason not_found /
//    not_executable). The child gets its own process group; IFS, LD_PRELOAD and LD_LIBRARY_PATH
//    are removed from its environment.
//  * Timeout (vrrp_script_child_thread / misc_check_child_thread): SIGTERM to the process group,
//    SIGKILL to the group `graceMs` later; if the leader died of our SIGTERM, SIGKILL the group
//    at once so no grandchild survives. A run killed that way is `timed_out` (a failure).
//  * Exit status: 0 success, anything else failure; MISC_CHECK misc_dynamic: 0 up (weight
//    unchanged), 1 down, 2..255 up with weight = status - 2.
//  * Security (check_script_secure/check_security): when the script runs as root (uid or gid 0)
//    every component of its path must be owned by root and not writable by group (non-root
//    group) or others, directories with the sticky bit excepted; with enable_script_security an
//    unsafe script is refused (reason insecure), without it the run goes ahead with a warning.
//  * stdout/stderr are not captured (/dev/null): megabytes of output neither block nor grow memory.
// execa (~100 modules, ~20 MB of RSS) is loaded by the first script run, not at start-up.
let execaModule: Promise<typeof import('execa')> | undefined;
import { lstatSync, openSync, readSync, closeSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { delimiter, join, resolve as resolvePath } from 'node:path';
import type { ProbeResult } from './types.ts';
import { abortReason, nowMs, result } from './types.ts';

// ---------------------------------------------------------------------------------------------
// parsing

export class CommandParseError extends Error {
  readonly code = 'ECMDPARSE';
}

/** Splits a keepalived script string into argv (alloc_strvec_quoted_escaped rules). */
export function splitCommand(src: string): string[] {
  const words: string[] = [];
  let i = 0;
  const n = src.length;
  const isWs = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
  const isHex = (c: string | undefined) => c !== undefined && /[0-9a-fA-F]/.test(c);
  const isOct = (c: string | undefined) => c !== undefined && c >= '0' && c <= '7';
  while (i < n) {
    while (i < n && isWs(src[i])) i++;
    if (i >= n) break;
    let word = '';
    let quote = '';
    for (;;) {
      if (i >= n) {
        if (quote) throw new CommandParseError(`String '${src}': missing terminating ${quote}`);
        break;
      }
      const c = src[i];
      if (c === '\\') {
        i++;
        if (i >= n) throw new CommandParseError(`Missing escape char at end: '${src}'`);
        const e = src[i];
        if (e === 'x' && isHex(src[i + 1])) {
          i++;
          let v = 0;
          for (let k = 0; k < 2 && isHex(src[i]); k++, i++) v = v * 16 + parseInt(src[i], 16);
          word += String.fromCharCode(v);
        } else if (e === 'c' && i + 1 < n) {
          word += String.fromCharCode(src.charCodeAt(i + 1) & 0x1f);
          i += 2;
        } else if (isOct(e)) {
          let v = 0;
          for (let k = 0; k < 3 && isOct(src[i]); k++, i++) v = v * 8 + (src.charCodeAt(i) - 48);
          word += String.fromCharCode(v & 0xff);
        } else {
          const map: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
          word += map[e] ?? e;
          i++;
        }
        continue;
      }
      if (quote) {
        if (c === quote) quote = '';
        else word += c;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        quote = c;
        i++;
        continue;
      }
      if (isWs(c)) break;
      word += c;
      i++;
    }
    words.push(word);
  }
  return words;
}

/** keepalived's cmd_str: the argv as one /bin/sh string, each argument single-quoted. */
export function shellCommand(args: string[]): string {
  return args
    .map((a, idx) => (idx === 0 && (a.startsWith('<') || a.startsWith('>')) ? a : `'${a.replaceAll("'", "'\\''")}'`))
    .join(' ');
}

// ---------------------------------------------------------------------------------------------
// users

export interface UserId {
  uid: number;
  gid: number;
}

/** Resolves `user [group]` (names or numbers) through /etc/passwd and /etc/group. */
export function resolveUser(user: string, group?: string, files = { passwd: '/etc/passwd', group: '/etc/group' }): UserId {
  const passwd = readFileSync(files.passwd, 'utf8').split('\n').map((l) => l.split(':'));
  const row = passwd.find((f) => f[0] === user) ?? (/^\d+$/.test(user) ? passwd.find((f) => f[2] === user) : undefined);
  let uid: number;
  let gid: number;
  if (row) {
    uid = Number(row[2]);
    gid = Number(row[3]);
  } else if (/^\d+$/.test(user)) {
    uid = Number(user);
    gid = uid;
  } else throw new Error(`Unknown script user ${user}`);
  if (group !== undefined && group !== '') {
    const g = group.startsWith(':') ? group.slice(1) : group;
    const groups = readFileSync(files.group, 'utf8').split('\n').map((l) => l.split(':'));
    const grow = groups.find((f) => f[0] === g);
    if (grow) gid = Number(grow[2]);
    else if (/^\d+$/.test(g)) gid = Number(g);
    else throw new Error(`Unknown script group ${g}`);
  }
  return { uid, gid };
}

// ---------------------------------------------------------------------------------------------
// preparation (done once per configured script, as keepalived does at config load)

export interface ScriptOptions {
  /** Kill the run after this long (vrrp_script `timeout`, default = interval; misc_timeout). */
  timeoutMs: number;
  /** Gap between SIGTERM and SIGKILL of the process group (keepalived: 2 s). */
  graceMs?: number;
  /** Run as this uid/gid (`user`, `script_user`). */
  user?: UserId;
  /** `enable_script_security`: refuse scripts a non-root user could modify. */
  enableScriptSecurity?: boolean;
  /** MISC_CHECK `misc_dynamic`. */
  dynamic?: boolean;
  /** PATH used to resolve bare names (default process.env.PATH). */
  pathEnv?: string;
  /** Extra environment for the child. */
  env?: Record<string, string>;
}

export type ExecMode = 'exec' | 'shell';

export interface PreparedScript {
  /** argv as configured (after parsing). */
  args: string[];
  /** The file to execute (resolved path) or /bin/sh. */
  file: string;
  /** Arguments passed to `file`. */
  fileArgs: string[];
  mode: ExecMode;
  /** Unsafe permissions found (logged by keepalived as `Unsafe permissions found for script`). */
  insecure: boolean;
  /** Set when the script must not run; every probe returns it. */
  refused?: { reason: 'not_found' | 'not_executable' | 'insecure'; detail: string };
}

function isExecutableFor(st: { uid: number; gid: number; mode: number }, u: UserId): boolean {
  // keepalived notify.c is_executable()
  if (st.uid === u.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === u.gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

/** keepalived check_security(): the first unsafe component of `file`, or null. */
export function unsafePathComponent(file: string): string | null {
  const parts = file.split('/').filter(Boolean);
  const prefixes = ['/'];
  for (let k = 0; k < parts.length; k++) prefixes.push('/' + parts.slice(0, k + 1).join('/'));
  for (let k = 0; k < prefixes.length; k++) {
    const p = prefixes[k];
    const last = k === prefixes.length - 1;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return p;
    }
    if (!last && !st.isDirectory()) return p;
    const dirNoSticky = st.isDirectory() && (st.mode & 0o1000) === 0;
    if (st.uid !== 0 || ((dirNoSticky || st.isFile()) && ((st.gid !== 0 && (st.mode & 0o020) !== 0) || (st.mode & 0o002) !== 0))) return p;
  }
  return null;
}

function findInPath(name: string, pathEnv: string): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function hasMagic(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const b = Buffer.alloc(4);
    const len = readSync(fd, b, 0, 4, 0);
    return (len >= 2 && b[0] === 0x23 && b[1] === 0x21) || (len === 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46);
  } catch {
    return true; // unreadable for us: let execve decide
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Parses and resolves a script once: where it is, how it runs, whether it may run. */
export function prepareScript(command: string | string[], opts: Pick<ScriptOptions, 'user' | 'enableScriptSecurity' | 'pathEnv'> = {}): PreparedScript {
  const args = typeof command === 'string' ? splitCommand(command) : [...command];
  if (args.length === 0) return { args, file: '', fileArgs: [], mode: 'exec', insecure: false, refused: { reason: 'not_found', detail: 'empty script' } };
  const first = args[0];
  // `</dev/tcp/...`: a shell redirection test, not a file to execute (check_script_secure SC_SYSTEM).
  if (/^<[ \t]*\//.test(first) || first.startsWith('>')) {
    return { args, file: '/bin/sh', fileArgs: ['-c', shellCommand(args)], mode: 'shell', insecure: false };
  }
  const user = opts.user ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  let path = first;
  if (!first.includes('/')) {
    const found = findInPath(first, opts.pathEnv ?? process.env.PATH ?? '/usr/bin:/bin');
    if (!found) return { args, file: first, fileArgs: [], mode: 'exec', insecure: false, refused: { reason: 'not_found', detail: `Cannot find script ${first} in path - disabling` } };
    path = found;
  }
  path = resolvePath(path);
  let real: string;
  let st;
  try {
    real = realpathSync(path);
    st = statSync(real);
  } catch (err) {
    return { args, file: path, fileArgs: [], mode: 'exec', insecure: false, refused: { reason: 'not_found', detail: `Script ${first} cannot be accessed - ${(err as Error).message}` } };
  }
  if (!st.isFile() || !isExecutableFor(st, user)) {
    return {
      args,
      file: real,
      fileArgs: [],
      mode: 'exec',
      insecure: false,
      refused: { reason: 'not_executable', detail: `WARNING - script '${first}' is not executable for uid:gid ${user.uid}:${user.gid} - disabling.` },
    };
  }
  // Protection is needed when the script would run with root privileges (check_script_secure).
  const needProtection = user.uid === 0 || user.gid === 0 || (st.uid === 0 && (st.mode & 0o4100) === 0o4100) || (st.gid === 0 && (st.mode & 0o2010) === 0o2010);
  let insecure = false;
  if (needProtection) {
    const bad = unsafePathComponent(path) ?? (real !== path ? unsafePathComponent(real) : null);
    if (bad) {
      insecure = true;
      if (opts.enableScriptSecurity) {
        return { args, file: real, fileArgs: [], mode: 'exec', insecure, refused: { reason: 'insecure', detail: `Unsafe permissions found for script '${first}' (${bad}) - disabling.` } };
      }
    }
  }
  if (!hasMagic(real)) return { args, file: '/bin/sh', fileArgs: ['-c', shellCommand([real, ...args.slice(1)])], mode: 'shell', insecure };
  return { args, file: real, fileArgs: args.slice(1), mode: 'exec', insecure };
}

// ---------------------------------------------------------------------------------------------
// running

function killGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}

const signalNumbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

export function signalNumber(name: string): number {
  return signalNumbers[name] ?? 0;
}

/**
 * Runs a script once. `target` is a command string (parsed like keepalived) or a PreparedScript.
 * Never throws: refusals, spawn failures, exit codes, signals and timeouts are results.
 */
export async function probeScript(target: string | string[] | PreparedScript, options: ScriptOptions, signal?: AbortSignal): Promise<ProbeResult> {
  const start = nowMs();
  let prep: PreparedScript;
  try {
    prep = typeof target === 'string' || Array.isArray(target) ? prepareScript(target, options) : target;
  } catch (err) {
    return result(false, 'not_found', (err as Error).message, start);
  }
  if (prep.refused) return result(false, prep.refused.reason, prep.refused.detail, start);
  const { execa } = await (execaModule ??= import('execa'));
  if (signal?.aborted) return result(false, abortReason(signal), 'aborted before start', start);

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'IFS' && k !== 'LD_PRELOAD' && k !== 'LD_LIBRARY_PATH') env[k] = v;
  Object.assign(env, options.env ?? {});

  const child = execa(prep.file, prep.fileArgs, {
    detached: true, // own process group (setpgid(0, 0))
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'ignore',
    reject: false,
    extendEnv: false,
    env,
    cwd: '/',
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  const pid = child.pid;
  let killStage: 'none' | 'term' | 'kill' = 'none';
  let termTimer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const graceMs = options.graceMs ?? 2000;
  let abortedBy: 'timeout' | 'aborted' | null = null;
  const terminate = (why: 'timeout' | 'aborted') => {
    if (pid === undefined || killStage !== 'none') return;
    abortedBy ??= why;
    killStage = 'term';
    killGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => {
      killStage = 'kill';
      killGroup(pid, 'SIGKILL');
    }, graceMs);
  };
  if (options.timeoutMs > 0) termTimer = setTimeout(() => terminate('timeout'), options.timeoutMs);
  const onAbort = () => terminate(abortReason(signal) === 'timeout' ? 'timeout' : 'aborted');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await child;
    if (pid !== undefined && killStage !== 'none') killGroup(pid, 'SIGKILL'); // no grandchild survives a timed-out run
    if (r.exitCode === undefined && r.signal === undefined) {
      return result(false, 'spawn', `Error exec-ing command '${prep.file}': ${r.cause instanceof Error ? r.cause.message : String(r.shortMessage)}`, start);
    }
    if (r.signal !== undefined) {
      const sig = r.signal;
      const stage = killStage as 'none' | 'term' | 'kill';
      if ((stage === 'term' && sig === 'SIGTERM') || (stage === 'kill' && (sig === 'SIGKILL' || sig === 'SIGTERM'))) {
        return result(false, abortedBy === 'aborted' ? 'aborted' : 'timeout', 'timed_out', start, { signal: sig });
      }
      return result(false, 'signal', `due to signal ${signalNumber(sig)}`, start, { signal: sig });
    }
    const code = r.exitCode ?? 0;
    if (options.dynamic) {
      if (code === 0) return result(true, 'ok', 'exited with status 0', start, { exitCode: 0 });
      if (code === 1) return result(false, 'exit', 'exited with status 1', start, { exitCode: 1 });
      return result(true, 'ok', `exited with status ${code}`, start, { exitCode: code, weight: code - 2 });
    }
    if (code === 0) return result(true, 'ok', 'exited with status 0', start, { exitCode: 0 });
    return result(false, 'exit', `exited with status ${code}`, start, { exitCode: code });
  } finally {
    clearTimeout(termTimer);
    clearTimeout(killTimer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** For tests and tools: is a process alive (a zombie waiting for its reaper counts as dead)? */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
