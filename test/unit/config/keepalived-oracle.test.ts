// Conformance against the real thing: when keepalived is installed, `keepalived -t` reports every
// top-level word it does not know as "(FILE: Line N) Unknown keyword 'X'". Feeding it a config made
// only of unknown keywords, dressed in every reading-layer feature (comments, quotes, @ID, $NAME,
// multi-line values, ~SEQ, ~LST, globbed and braced includes), its report must list exactly our
// top-level nodes: same keywords, same order, same file and line. Skipped where keepalived is absent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseConfigFile } from '../../../src/config/parser.ts';

const MAIN = [
  '# header ! comment',
  'kw_plain a b   # trailing',
  'kw_bang x! y',
  '"kw quoted" z',
  '@high kw_high 1',
  '@^high kw_not_high 1',
  '@high',
  '$P=val',
  '$M=ml_one \\',
  '   ml_two $P \\',
  '   ml_three',
  'kw_param $P',
  '$M',
  '~SEQ(i, 1, 3) kw_seq_$i',
  '~LST(v, a, b) kw_lst_$v',
  '~SEQx(h, 9, 11) kw_hex_${h}',
  'include conf.d/*.conf',
  'include conf.d/{z,y}.inc',
  '\tkw_tab\t"x y"',
  'kw_last',
  '',
].join('\n');

const FILES: Record<string, string> = {
  'main.conf': MAIN,
  'conf.d/a.conf': 'kw_inc_a\n\n# c\nkw_inc_a2 $P\n',
  'conf.d/b.conf': 'kw_inc_b\ninclude ../nested/n.conf\n',
  'conf.d/y.inc': 'kw_y\n',
  'conf.d/z.inc': 'kw_z\n',
  'nested/n.conf': 'kw_nested\n',
};

test('top-level nodes match keepalived -t "Unknown keyword" reports, file and line', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'kats-oracle-'));
  try {
    for (const [rel, text] of Object.entries(FILES)) {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
    const main = join(root, 'main.conf');
    const run = spawnSync('keepalived', ['-t', '-l', '-i', 'high', '-f', main], { encoding: 'utf8', timeout: 20_000 });
    const out = `${run.stdout ?? ''}${run.stderr ?? ''}`;
    if (run.error !== undefined || !out.includes('Unknown keyword')) {
      t.skip('keepalived is not installed (or cannot run -t here)');
      return;
    }
    // The parent reports included files by their path relative to the including file's directory
    // and the root file as "(Line N)"; the children repeat it all with absolute names: keep the first.
    const seen = new Set<string>();
    const theirs: string[] = [];
    for (const line of out.split('\n')) {
      const m = /^\((?:(.+?): )?Line (\d+)\) Unknown keyword '(.*)'$/.exec(line);
      if (m === null || (m[1] ?? '').startsWith('/') || seen.has(line)) continue;
      seen.add(line);
      theirs.push(`${m[3]} @${m[1] ?? 'main.conf'}:${m[2]}`);
    }

    const r = parseConfigFile(main, { configId: 'high' });
    assert.deepEqual(r.diagnostics, []);
    // keepalived names an included file relative to the directory of the file that included it.
    const includer = (file: string): string => (file.endsWith('n.conf') ? join(root, 'conf.d') : root);
    const ours = r.nodes.map((n) => `${n.keyword} @${n.file === main ? 'main.conf' : relative(includer(n.file), n.file)}:${n.line}`);
    assert.deepEqual(ours, theirs);
    assert.ok(ours.length >= 20, 'the oracle config exercises every feature');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("unmatched '}' lines match keepalived -t \"Extra '}' found\" reports", (t) => {
  const root = mkdtempSync(join(tmpdir(), 'kats-oracle-'));
  try {
    const main = join(root, 'braces.conf');
    writeFileSync(main, 'global_defs {\n  router_id x\n}\n}\nkw1 } \nglobal_defs { router_id y } }\n\n$C=}\n$C\nglobal_defs {\n}}\n');
    const run = spawnSync('keepalived', ['-t', '-l', '-f', main], { encoding: 'utf8', timeout: 20_000 });
    const out = `${run.stdout ?? ''}${run.stderr ?? ''}`;
    if (run.error !== undefined || !out.includes("Extra '}' found")) {
      t.skip('keepalived is not installed (or cannot run -t here)');
      return;
    }
    const theirs = [...new Set(out.split('\n').flatMap((l) => /^\(Line (\d+)\) Extra '}' found$/.exec(l)?.[1] ?? []))].map(Number);
    const ours = parseConfigFile(main, { configId: null }).diagnostics.filter((d) => /unmatched '}'/.test(d.message)).map((d) => d.line);
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, [4, 5, 6, 9, 11]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
