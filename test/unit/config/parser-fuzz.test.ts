// Deterministic mutation fuzzing of the reading layer: whatever bytes come in, parseConfigText returns
// { nodes, diagnostics } with well-formed nodes and diagnostics that name a file and a positive line;
// it never throws and never hangs. Same seed, same mutants: a failure names its iteration.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseConfigText } from '../../../src/config/parser.ts';
import type { ParseOptions } from '../../../src/config/parser.ts';
import type { ConfigFs } from '../../../src/config/config-fs.ts';
import type { ConfNode } from '../../../src/config/ast.ts';
import { lexText } from '../../../src/config/lexer.ts';
import { mulberry32, mutateConfig, randInt } from '../../fuzz/mutate.ts';

const SEED = 0x6b61_7473; // "kats"
const ITERATIONS = 3000;
const ROOT = '/fuzz/etc/keepalived.conf';

const INLINE_SEEDS = [
  `! Configuration File for keepalived
global_defs {
   notification_email {
     acassen@firewall.loc
     failover@firewall.loc
   }
   notification_email_from Alexandre.Cassen@firewall.loc
   smtp_server 192.168.200.1
   smtp_connect_timeout 30
   router_id LVS_DEVEL
}

vrrp_script chk_haproxy {
    script "/usr/bin/killall -0 haproxy"   # cheaper than pidof
    interval 2
    weight -20
}

vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        192.168.200.16
        192.168.200.17/24 dev eth1 label eth1:1
    }
    track_script {
        chk_haproxy
    }
    notify_master "/etc/keepalived/notify.sh MASTER 'VI 1'"
}
`,
  `virtual_server 10.10.10.2 1358 {
    delay_loop 6
    lb_algo rr
    lb_kind NAT
    persistence_timeout 50
    protocol TCP
    sorry_server 192.168.200.200 1358
    real_server 192.168.200.2 1358 {
        weight 1
        HTTP_GET {
            url { path /testurl/test.jsp digest 640205b7b0fc66c1ea91c463fac6334d }
            url {
              path /testurl2/test.jsp
              status_code 200
            }
            connect_timeout 3
            retry 3
            delay_before_retry 3
        }
    }
    real_server 192.168.200.3 1358 { weight 1 TCP_CHECK { connect_timeout 3 } }
}
virtual_server fwmark 1 { lb_algo wlc real_server 10.0.0.1 80 { MISC_CHECK { misc_path "/bin/check.sh \\"a b\\" \\x41" } } }
`,
  `$IF=eth0
$PRIO=100
@main $PRIO=150
@^main $PRIO=90
$INSTANCE= \\
vrrp_instance VI_\${NUM} { \\
    interface \${IF}.\${NUM} \\
    priority $PRIO \\
    virtual_router_id \${NUM} \\
}
~SEQ(NUM, 1, 3) $INSTANCE
~LST({A,B},{1,2},{3,4}) static_ipaddress { 10.\${A}.\${B}.1/24 dev $IF }
include conf.d/*.conf
include sub/{a,b}.conf
global_defs {
  include defs.conf
  router_id \${_INSTANCE}-x\${_HASH}
}
`,
];

/** Files the seeds include, served from memory. */
const INCLUDED: Record<string, string> = {
  '/fuzz/etc/conf.d/10-vs.conf': 'virtual_server 10.0.0.1 80 {\n  real_server 10.0.1.1 80 { weight 2 }\n}\n',
  '/fuzz/etc/conf.d/20-loop.conf': 'include ../keepalived.conf\nlooped 1\n',
  '/fuzz/etc/sub/a.conf': 'vrrp_sync_group G { group { VI_1 } }\n',
  '/fuzz/etc/sub/b.conf': '$IF=eth1\ninclude a.conf\n',
  '/fuzz/etc/defs.conf': 'notification_email {\n  root@localhost\n}\n',
};

/** Reads up to `max` keepalived.conf texts from test/fixtures (if the directory is there). */
function fixtureSeeds(max: number): string[] {
  const out: string[] = [];
  const root = join(import.meta.dirname, '../../fixtures');
  const dirs = [root];
  for (let guard = 0; dirs.length > 0 && out.length < max && guard < 1000; guard++) {
    const dir = dirs.pop() as string;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) dirs.push(path);
      else if (name.endsWith('.conf') && out.length < max) out.push(readFileSync(path, 'utf8'));
    }
  }
  return out;
}

/** An in-memory file system over `files` (directories implied by the paths). */
function memoryFs(files: Record<string, string>): Partial<ConfigFs> & { readFile: (p: string) => string } {
  const dirs = new Map<string, Set<string>>();
  for (const path of Object.keys(files)) {
    let child = path;
    for (let dir = dirname(path), k = 0; k < 64; dir = dirname(dir), k++) {
      const entries = dirs.get(dir) ?? new Set<string>();
      entries.add(child.slice(dir === '/' ? 1 : dir.length + 1));
      dirs.set(dir, entries);
      if (dir === '/') break;
      child = dir;
    }
  }
  return {
    readFile: (p) => {
      const t = files[p];
      if (t === undefined) throw new Error(`ENOENT: no such file, open '${p}'`);
      return t;
    },
    readDir: (d) => {
      const e = dirs.get(d);
      if (e === undefined) throw new Error(`ENOTDIR: ${d}`);
      return [...e];
    },
    kind: (p) => (files[p] !== undefined ? 'file' : dirs.has(p) ? 'dir' : 'missing'),
    canonical: (p) => p,
  };
}

/** Checks every node of the tree without recursion (the tree may be deep). */
function checkNodes(nodes: ConfNode[], where: string): number {
  let count = 0;
  const work: ConfNode[][] = [nodes];
  while (work.length > 0) {
    const list = work.pop() as ConfNode[];
    assert.ok(Array.isArray(list), where);
    for (const n of list) {
      count++;
      assert.equal(typeof n.keyword, 'string', where);
      assert.ok(Array.isArray(n.args) && n.args.every((a) => typeof a === 'string'), where);
      assert.equal(typeof n.file, 'string', where);
      assert.ok(n.file.length > 0, where);
      assert.ok(Number.isInteger(n.line) && n.line > 0, `${where}: node line ${n.line}`);
      if (n.children !== null) work.push(n.children);
    }
  }
  return count;
}

test(`parser fuzz: ${ITERATIONS} deterministic mutants never throw, hang or give a malformed result`, { timeout: 300_000 }, () => {
  const seeds = [...INLINE_SEEDS, ...fixtureSeeds(40)];
  const rng = mulberry32(SEED);
  let previous = seeds[0];
  let withErrors = 0;
  let withNodes = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    // Mostly fresh mutants of a seed, sometimes a mutant of the last mutant (compound damage).
    const base = rng() < 0.2 ? previous : seeds[randInt(rng, seeds.length)];
    const text = mutateConfig(base, rng);
    previous = text.length > 200_000 ? seeds[0] : text;
    const files = { ...INCLUDED };
    if (rng() < 0.3) {
      const names = Object.keys(files);
      const victim = names[randInt(rng, names.length)];
      files[victim] = mutateConfig(files[victim], rng);
    }
    const fs = memoryFs(files);
    const opts: ParseOptions = { configId: rng() < 0.5 ? 'main' : null, readFile: fs.readFile, fs, maxGeneratedLines: 20_000, random: () => 0.5 };
    const where = `iteration ${i} (seed ${SEED})`;

    const r = parseConfigText(text, ROOT, opts);
    assert.ok(Array.isArray(r.nodes) && Array.isArray(r.diagnostics), where);
    checkNodes(r.nodes, where);
    for (const d of r.diagnostics) {
      assert.ok(d.severity === 'error' || d.severity === 'warning', where);
      assert.equal(typeof d.file, 'string', where);
      assert.ok(d.file.length > 0, where);
      assert.ok(Number.isInteger(d.line) && d.line > 0, `${where}: diagnostic line ${d.line}: ${d.message}`);
      assert.ok(typeof d.message === 'string' && d.message.length > 0, where);
      if (d.file === ROOT) assert.ok(d.line <= lexLineCount(text), `${where}: line ${d.line} past the end`);
    }
    if (r.diagnostics.some((d) => d.severity === 'error')) withErrors++;
    if (r.nodes.length > 0) withNodes++;

    // Same input, same output (the parse has no hidden state); checked on a sample to stay quick.
    if (i % 25 === 0) assert.deepEqual(parseConfigText(text, ROOT, opts), r, `${where}: not deterministic`);

    // The bare lexer agrees on line numbering.
    const lexed = lexText(text);
    for (let k = 1; k < lexed.length; k++) assert.ok(lexed[k].line > lexed[k - 1].line, where);
  }
  // The mutants must actually exercise both the error paths and the happy paths.
  assert.ok(withErrors > ITERATIONS / 10, `only ${withErrors} mutants had errors`);
  assert.ok(withNodes > ITERATIONS / 2, `only ${withNodes} mutants had nodes`);
});

/** Physical lines of a text, counted like the reader counts them. */
function lexLineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < text.length - 1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

test('mulberry32 is deterministic and mutateConfig depends only on the seed', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const xs = Array.from({ length: 100 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 100 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.ok(new Set(xs).size === 100);
  assert.equal(mutateConfig(INLINE_SEEDS[0], mulberry32(7)), mutateConfig(INLINE_SEEDS[0], mulberry32(7)));
  assert.notEqual(mutateConfig(INLINE_SEEDS[0], mulberry32(7)), INLINE_SEEDS[0]);
});
