// Config front-end benchmark (not a test): a generated keepalived.conf with 1,000 virtual servers
// and 10,000 real servers (alternating TCP_CHECK and HTTP_GET), parsed and validated by loadConfig
// (median of 5, host checks off) next to keepalived's own `keepalived -t -f FILE` on the same file.
// Run: node bench/config.ts   (or npm run bench -- config)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.ts';

const VIRTUAL_SERVERS = 1000;
const REALS_PER_VS = 10;
const RUNS = 5;

export function generateConfig(virtualServers = VIRTUAL_SERVERS, realsPerVs = REALS_PER_VS): string {
  const out: string[] = ['global_defs {', '    router_id bench', '}', ''];
  for (let v = 0; v < virtualServers; v++) {
    const vip = `10.${100 + Math.floor(v / 250)}.${v % 250}.1`;
    out.push(`virtual_server ${vip} 80 {`, '    delay_loop 10', '    lb_algo wrr', '    lb_kind DR', '    protocol TCP');
    for (let r = 0; r < realsPerVs; r++) {
      const n = v * realsPerVs + r;
      out.push(`    real_server 172.${16 + Math.floor(n / 65536)}.${Math.floor(n / 256) % 256}.${n % 256} 80 {`, '        weight 1');
      if (n % 2 === 0) out.push('        TCP_CHECK {', '            connect_timeout 3', '        }');
      else out.push('        HTTP_GET {', '            url {', '                path /health', '                status_code 200', '            }', '            connect_timeout 3', '            retry 2', '        }');
      out.push('    }');
    }
    out.push('}', '');
  }
  return out.join('\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeKeepalived(file: string): number | string {
  const probe = spawnSync('keepalived', ['--version'], { encoding: 'utf8' });
  if (probe.error) return 'keepalived not installed';
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync('keepalived', ['-t', '-l', '-f', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    times.push(performance.now() - t0);
    if (r.error) return `keepalived -t failed: ${r.error.message}`;
  }
  return median(times);
}

export async function benchConfig(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kats-bench-config-'));
  try {
    const file = join(dir, 'keepalived.conf');
    const text = generateConfig();
    writeFileSync(file, text);
    console.log(`config: ${VIRTUAL_SERVERS} virtual servers, ${VIRTUAL_SERVERS * REALS_PER_VS} real servers, ${text.split('\n').length} lines`);
    const ours: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const { model, diagnostics } = loadConfig(file, { hostChecks: false });
      ours.push(performance.now() - t0);
      if (!model) throw new Error(`generated config rejected: ${diagnostics[0]?.message}`);
    }
    const mine = median(ours);
    console.log(`keepalived-ts loadConfig: ${mine.toFixed(1)} ms (median of ${RUNS})`);
    const theirs = timeKeepalived(file);
    if (typeof theirs === 'string') console.log(`keepalived -t: ${theirs}`);
    else {
      console.log(`keepalived -t -f:         ${theirs.toFixed(1)} ms (median of ${RUNS}, whole process)`);
      console.log(`ratio keepalived-ts / keepalived: ${(mine / theirs).toFixed(2)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await benchConfig();
