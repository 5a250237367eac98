// Boots the VM tier's throw-away QEMU guest (Debian cloud kernel with IPVS modules) and runs one
// payload script in it; used by test/vm/*.test.ts and bench/ipvs*.ts. The recipe and its measured
// costs are in ../shared/reference/vm-ipvs.md: TCG only (KVM here is kvm-pvm, which a stock kernel
// cannot run on), initramfs = a small uncompressed cpio with the project tree and the payload
// followed by the cached `lz4 -l` base archive from scripts/vm/prepare.sh, results over ttyS0, and
// the guest's exit status as the `@@EXIT=n@@` marker (QEMU itself exits 0 on `poweroff -f`).
//
// Run directly: node scripts/vm/run.ts 'node -e "console.log(process.version)"'
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, createWriteStream, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';

export const projectRoot = join(import.meta.dirname, '..', '..');
export const workDir = process.env.KATS_VM_WORK ?? join(projectRoot, 'test', 'vm', '.work');

export interface VmRunOptions {
  /** Shell script run by busybox sh in /app inside the guest; its exit status is the result. */
  payload: string;
  /** Hard limit for the whole boot, after which QEMU is killed (default 300 s). */
  timeoutMs?: number;
  /** Called with every console line (CR stripped) as it arrives. */
  onLine?: (line: string) => void;
  memMb?: number;
  smp?: number;
  /** Extra files placed into the guest (path inside the guest -> contents). */
  files?: Record<string, string | Buffer>;
}

export interface VmResult {
  /** The payload's exit status from `@@EXIT=n@@`, or null when no marker appeared. */
  exitCode: number | null;
  timedOut: boolean;
  /** Every console line, CR stripped. */
  lines: string[];
  durationMs: number;
  /** Host wall-clock ms from spawn to the guest's /init start and to modules loaded. */
  bootMs: number | null;
  modulesMs: number | null;
  qemuStatus: number | null;
  qemuSignal: string | null;
}

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Why the VM tier cannot run on this machine, or null when it can (after prepare). */
export function vmBlocker(): string | null {
  if (!hasCommand('qemu-system-x86_64')) return 'qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)';
  if (!existsSync(join(workDir, 'vmlinuz')) || !existsSync(join(workDir, 'base.cpio.lz4'))) {
    return `VM image not prepared in ${workDir} (run: bash scripts/vm/prepare.sh)`;
  }
  return null;
}

/**
 * Runs scripts/vm/prepare.sh (idempotent, ~0.1 s when up to date). Returns null on success,
 * else the reason including the script's last output lines.
 */
export function prepareVm(): string | null {
  if (!hasCommand('qemu-system-x86_64')) return 'qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)';
  const r = spawnSync('bash', [join(projectRoot, 'scripts', 'vm', 'prepare.sh')], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
    return `scripts/vm/prepare.sh failed (status ${r.status}):\n${tail}`;
  }
  return vmBlocker();
}

// What of the project goes into the guest: everything a test or benchmark imports, never the
// 190 MB node package (its binary is in the base archive) nor the compiler.
const PROJECT_ENTRIES = ['src', 'checks', 'test', 'bench', 'scripts', 'deploy', 'package.json', 'tsconfig.json', 'node_modules'];
const SKIP = new Set(['node_modules/node', 'node_modules/typescript', 'node_modules/.bin', 'node_modules/@types', 'test/vm/.work', 'src/native/build/Release/obj.target', '.git']);

function copyProject(dest: string): void {
  for (const e of PROJECT_ENTRIES) {
    const src = join(projectRoot, e);
    if (!existsSync(src)) continue;
    cpSync(src, join(dest, e), {
      recursive: true,
      filter: (p) => {
        const rel = relative(projectRoot, p);
        return !SKIP.has(rel) && !rel.endsWith('.log');
      },
    });
  }
}

/** Packs the per-run archive (project under /app plus /payload.sh) as an uncompressed newc cpio. */
function buildRunArchive(payload: string, files: Record<string, string | Buffer>): Buffer {
  const stage = mkdtempSync(join(tmpdir(), 'kats-vm-'));
  try {
    const app = join(stage, 'app');
    mkdirSync(app);
    copyProject(app);
    writeFileSync(join(stage, 'payload.sh'), payload, { mode: 0o755 });
    for (const [p, data] of Object.entries(files)) {
      const abs = join(stage, p.replace(/^\/+/, ''));
      mkdirSync(join(abs, '..'), { recursive: true });
      writeFileSync(abs, data);
    }
    const r = spawnSync('sh', ['-c', 'find . | LC_ALL=C sort | busybox cpio -o -H newc -R 0:0 2>/dev/null'], {
      cwd: stage,
      maxBuffer: 512 * 1024 * 1024,
    });
    if (r.status !== 0 || !r.stdout || r.stdout.length === 0) throw new Error(`busybox cpio failed: ${r.stderr?.toString()}`);
    return r.stdout;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

const EXIT_RE = /@@EXIT=(\d+)@@/;

/** Boots one VM, runs the payload, returns when QEMU has exited (or was killed at the timeout). */
export async function runVm(opts: VmRunOptions): Promise<VmResult> {
  const blocker = vmBlocker();
  if (blocker) throw new Error(blocker);
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const runDir = mkdtempSync(join(tmpdir(), 'kats-vmrun-'));
  const initrd = join(runDir, 'initrd.img');
  // Uncompressed run archive first, then the compressed base: the only order the kernel unpacks.
  const out = createWriteStream(initrd);
  out.write(buildRunArchive(opts.payload, opts.files ?? {}));
  out.write(readFileSync(join(workDir, 'base.cpio.lz4')));
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));

  const args = [
    // Single-threaded TCG: with multi-threaded TCG (the default for -smp 2) Node 24 in the guest
    // crashed in about 1 start in 15 (V8 "Check failed" or SIGSEGV, also for commands that load no
    // native code, never on the host); with thread=single 30 of 30 starts were clean. It costs
    // about 2x guest CPU time.
    '-accel', process.env.KATS_VM_ACCEL ?? 'tcg,thread=single', '-cpu', process.env.KATS_VM_CPU ?? 'max', '-smp', String(opts.smp ?? 2), '-m', String(opts.memMb ?? 1024),
    '-nographic', '-no-reboot', '-nodefaults', '-serial', 'stdio',
    '-kernel', join(workDir, 'vmlinuz'), '-initrd', initrd,
    // panic=-1 with -no-reboot: a guest panic ends QEMU at once instead of hanging.
    '-append', 'console=ttyS0 quiet panic=-1 loglevel=3',
  ];
  const started = Date.now();
  const lines: string[] = [];
  let bootMs: number | null = null;
  let modulesMs: number | null = null;
  let exitCode: number | null = null;
  let timedOut = false;
  const child = spawn('qemu-system-x86_64', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);

  let partial = '';
  const onData = (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl).replace(/\r/g, '');
      partial = partial.slice(nl + 1);
      lines.push(line);
      if (bootMs === null && line.includes('@@BOOT')) bootMs = Date.now() - started;
      if (modulesMs === null && line.includes('@@MODS')) modulesMs = Date.now() - started;
      const m = EXIT_RE.exec(line);
      if (m && exitCode === null) exitCode = Number(m[1]);
      opts.onLine?.(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', (c: Buffer) => {
    for (const l of c.toString('utf8').split('\n')) if (l.trim()) { lines.push(`qemu: ${l}`); opts.onLine?.(`qemu: ${l}`); }
  });
  const [qemuStatus, qemuSignal] = await new Promise<[number | null, string | null]>((resolve) => {
    child.on('error', (err) => {
      lines.push(`qemu spawn error: ${err.message}`);
      resolve([null, null]);
    });
    child.on('close', (code, sig) => resolve([code, sig]));
  });
  clearTimeout(timer);
  process.removeListener('exit', killOnExit);
  if (partial) {
    lines.push(partial.replace(/\r/g, ''));
    opts.onLine?.(partial);
  }
  rmSync(runDir, { recursive: true, force: true });
  return { exitCode, timedOut, lines, durationMs: Date.now() - started, bootMs, modulesMs, qemuStatus, qemuSignal };
}

/** Lines printed between `@@<name>-BEGIN@@` and `@@<name>-END@@` by the guest. */
export function section(lines: string[], name: string): string[] | null {
  const b = lines.findIndex((l) => l.includes(`@@${name}-BEGIN@@`));
  if (b < 0) return null;
  const e = lines.findIndex((l, i) => i > b && l.includes(`@@${name}-END@@`));
  return lines.slice(b + 1, e < 0 ? undefined : e);
}

/** Lists test files matching a suffix under a directory (relative to the project root). */
export function listFiles(dir: string, suffix: string): string[] {
  const abs = join(projectRoot, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs)
    .filter((f) => f.endsWith(suffix) && statSync(join(abs, f)).isFile())
    .sort()
    .map((f) => `${dir}/${f}`);
}

if (import.meta.main) {
  const payload = process.argv.slice(2).join(' ') || 'node -e "console.log(process.version, process.arch)"; uname -r; ipvsadm -Ln';
  const why = prepareVm();
  if (why) {
    console.error(why);
    process.exit(2);
  }
  const r = await runVm({ payload, onLine: (l) => process.stdout.write(`${l}\n`) });
  console.error(`exit=${r.exitCode} timedOut=${r.timedOut} boot=${r.bootMs}ms modules=${r.modulesMs}ms total=${r.durationMs}ms`);
  process.exit(r.exitCode ?? 1);
}
