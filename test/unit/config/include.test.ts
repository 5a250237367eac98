import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseConfigFile, parseConfigText } from '../../../src/config/parser.ts';
import type { ConfNode } from '../../../src/config/ast.ts';
import { expandBraces, globPath, matchName } from '../../../src/config/glob.ts';
import { includeCycle } from '../../../src/config/include.ts';
import { nodeConfigFs } from '../../../src/config/config-fs.ts';

/** Creates the files (path relative to a fresh temp dir => content), runs `body`, removes the dir. */
function withTree(files: Record<string, string>, body: (root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'kats-include-'));
  try {
    for (const [rel, content] of Object.entries(files)) {
      const path = join(root, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
    body(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** `keyword args @file:line`, depth-first, with the file relative to root. */
function flat(nodes: ConfNode[], root: string, depth = 0): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    out.push(`${'  '.repeat(depth)}${[n.keyword, ...n.args].join(' ')} @${n.file.slice(root.length + 1)}:${n.line}`);
    if (n.children !== null) out.push(...flat(n.children, root, depth + 1));
  }
  return out;
}

test('include inlines a file where it stands, inside a block too, with file:line of the included file', () => {
  withTree(
    {
      'keepalived.conf': 'global_defs {\n  router_id a\n  include defs.conf\n  smtp_server x\n}\ninclude vs.conf\nlast\n',
      'defs.conf': '# defaults\n\nnotification_email {\n  ops@example.com\n}\n',
      'vs.conf': 'virtual_server 10.0.0.1 80 {\n  delay_loop 6\n}\n',
    },
    (root) => {
      const r = parseConfigFile(join(root, 'keepalived.conf'));
      assert.deepEqual(r.diagnostics, []);
      assert.deepEqual(flat(r.nodes, root), [
        'global_defs @keepalived.conf:1',
        '  router_id a @keepalived.conf:2',
        '  notification_email @defs.conf:3',
        '    ops@example.com @defs.conf:4',
        '  smtp_server x @keepalived.conf:4',
        'virtual_server 10.0.0.1 80 @vs.conf:1',
        '  delay_loop 6 @vs.conf:2',
        'last @keepalived.conf:7',
      ]);
      assert.deepEqual(r.files, ['keepalived.conf', 'defs.conf', 'vs.conf'].map((f) => join(root, f)));
    },
  );
});

test('relative patterns are relative to the INCLUDING file, absolute ones are used as they are', () => {
  withTree(
    {
      'etc/keepalived.conf': 'include conf.d/a.conf\n',
      'etc/conf.d/a.conf': 'a 1\ninclude b.conf\ninclude ../top.conf\n',
      'etc/conf.d/b.conf': 'b 1\n',
      'etc/top.conf': 'top 1\n',
      'elsewhere/abs.conf': 'abs 1\n',
      // a decoy next to the process's working directory would never be read
    },
    (root) => {
      writeFileSync(join(root, 'etc/conf.d/a.conf'), `a 1\ninclude b.conf\ninclude ../top.conf\ninclude ${join(root, 'elsewhere/abs.conf')}\n`);
      const r = parseConfigFile(join(root, 'etc/keepalived.conf'));
      assert.deepEqual(r.diagnostics, []);
      assert.deepEqual(flat(r.nodes, root), [
        'a 1 @etc/conf.d/a.conf:1',
        'b 1 @etc/conf.d/b.conf:1',
        'top 1 @etc/top.conf:1',
        'abs 1 @elsewhere/abs.conf:1',
      ]);
    },
  );
});

test('globs include files in sorted order; directories and dot files are not matched', () => {
  withTree(
    {
      'main.conf': 'include conf.d/*.conf\ninclude conf.d/?.x\ninclude conf.d/[bc]*.y\ninclude "conf.d/[!b]*.y" # ! starts a comment unless quoted\ninclude conf.d/[^bc]*.y\n',
      'conf.d/b.conf': 'b\n',
      'conf.d/a.conf': 'a\n',
      'conf.d/10.conf': 'ten\n',
      'conf.d/2.conf': 'two\n',
      'conf.d/B.conf': 'upper-b\n',
      'conf.d/.hidden.conf': 'hidden\n',
      'conf.d/sub.conf/inner': 'never\n',
      'conf.d/z.x': 'zx\n',
      'conf.d/zz.x': 'zzx\n',
      'conf.d/b1.y': 'b1y\n',
      'conf.d/c1.y': 'c1y\n',
      'conf.d/d1.y': 'd1y\n',
    },
    (root) => {
      const r = parseConfigFile(join(root, 'main.conf'));
      assert.deepEqual(r.diagnostics, []);
      assert.deepEqual(
        r.nodes.map((n) => n.keyword),
        ['ten', 'two', 'upper-b', 'a', 'b', 'zx', 'b1y', 'c1y', 'c1y', 'd1y', 'd1y'],
      );
    },
  );
});

test('csh brace expansion keeps the written order and combines with globs and directories', () => {
  withTree(
    {
      'main.conf': 'include d/{b,a}.conf\ninclude {d,e}/x*.conf\ninclude "d/{nope,c}.conf"\n',
      'd/a.conf': 'a\n',
      'd/b.conf': 'b\n',
      'd/c.conf': 'c\n',
      'd/x2.conf': 'dx2\n',
      'd/x1.conf': 'dx1\n',
      'e/x0.conf': 'ex0\n',
    },
    (root) => {
      const r = parseConfigFile(join(root, 'main.conf'));
      assert.deepEqual(r.nodes.map((n) => n.keyword), ['b', 'a', 'dx1', 'dx2', 'ex0', 'c']);
      // keepalived logs "Some config files missing" for the alternative that matched nothing
      assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.line]), [['warning', 3]]);
      assert.match(r.diagnostics[0].message, /nothing matches d\/nope\.conf/);
    },
  );
});

test('wildcards in directory components', () => {
  withTree(
    { 'main.conf': 'include */inc/*.conf\n', 'one/inc/a.conf': 'one\n', 'two/inc/a.conf': 'two\n', 'two/other/a.conf': 'no\n' },
    (root) => {
      const r = parseConfigFile(join(root, 'main.conf'));
      assert.deepEqual(r.nodes.map((n) => n.keyword), ['one', 'two']);
    },
  );
});

test('missing files and patterns without a match are not errors (keepalived ignores them), only warnings', () => {
  withTree({ 'main.conf': 'a\ninclude nothing-here.conf\ninclude none.d/*.conf\nb\n' }, (root) => {
    const r = parseConfigFile(join(root, 'main.conf'));
    assert.deepEqual(r.nodes.map((n) => n.keyword), ['a', 'b']);
    assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.line]), [['warning', 2], ['warning', 3]]);
    assert.match(r.diagnostics[0].message, /no such file/);
    assert.match(r.diagnostics[1].message, /no file matches/);
  });
});

test('executable files are skipped with a warning, as keepalived skips them', () => {
  withTree({ 'main.conf': 'include parts/*.conf\n', 'parts/a.conf': 'a\n', 'parts/b.conf': 'b\n' }, (root) => {
    chmodSync(join(root, 'parts/b.conf'), 0o755);
    const r = parseConfigFile(join(root, 'main.conf'));
    assert.deepEqual(r.nodes.map((n) => n.keyword), ['a']);
    assert.equal(r.diagnostics.length, 1);
    assert.equal(r.diagnostics[0].severity, 'warning');
    assert.match(r.diagnostics[0].message, /b\.conf.*executable/);
  });
});

test('nested includes', () => {
  withTree({ 'a.conf': 'x {\ninclude b/b.conf\n}\n', 'b/b.conf': 'y {\ninclude c/c.conf\n}\n', 'b/c/c.conf': 'z 1\n' }, (root) => {
    const r = parseConfigFile(join(root, 'a.conf'));
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(flat(r.nodes, root), ['x @a.conf:1', '  y @b/b.conf:1', '    z 1 @b/c/c.conf:1']);
  });
});

test('an include loop is an error at the include line naming the cycle, and reading goes on', () => {
  withTree(
    { 'a.conf': 'a1\ninclude b.conf\na3\n', 'b.conf': 'b1\ninclude c.conf\n', 'c.conf': 'c1\ninclude a.conf\nc3\n' },
    (root) => {
      const r = parseConfigFile(join(root, 'a.conf'));
      assert.deepEqual(r.nodes.map((n) => n.keyword), ['a1', 'b1', 'c1', 'c3', 'a3']);
      assert.equal(r.diagnostics.length, 1);
      const d = r.diagnostics[0];
      assert.equal(d.severity, 'error');
      assert.equal(d.file, join(root, 'c.conf'));
      assert.equal(d.line, 2);
      const names = ['a.conf', 'b.conf', 'c.conf', 'a.conf'].map((f) => join(root, f));
      assert.ok(d.message.includes(names.join(' -> ')), d.message);
    },
  );
});

test('a file including itself, directly or through a symbolic link or a glob, is a loop', () => {
  withTree({ 'self.conf': 'x\ninclude self.conf\n', 'g.conf': 'g\ninclude *.conf\n' }, (root) => {
    symlinkSync(join(root, 'self.conf'), join(root, 'link.conf'));
    writeFileSync(join(root, 'self.conf'), 'x\ninclude link.conf\n');
    const r = parseConfigFile(join(root, 'self.conf'));
    assert.deepEqual(r.nodes.map((n) => n.keyword), ['x']);
    assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.line]), [['error', 2]]);
    assert.match(r.diagnostics[0].message, /include loop/);

    // g.conf includes *.conf: g.conf itself is a loop; link.conf/self.conf are read (and loop on themselves).
    const g = parseConfigFile(join(root, 'g.conf'));
    assert.deepEqual(g.nodes.map((n) => n.keyword), ['g', 'x', 'x']);
    assert.ok(g.diagnostics.every((d) => d.severity === 'error' && /include loop/.test(d.message)));
    assert.equal(g.diagnostics.filter((d) => d.file === join(root, 'g.conf') && d.line === 2).length, 1);
  });
});

test('the same file included twice side by side is not a loop', () => {
  withTree({ 'main.conf': 'include p.conf\ninclude p.conf\n', 'p.conf': 'p\n' }, (root) => {
    const r = parseConfigFile(join(root, 'main.conf'));
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.nodes.map((n) => `${n.keyword}@${n.line}`), ['p@1', 'p@1']);
    assert.deepEqual(r.files, [join(root, 'main.conf'), join(root, 'p.conf')]);
  });
});

test('include depth is bounded', () => {
  const files: Record<string, string> = {};
  for (let k = 0; k < 10; k++) files[`f${k}.conf`] = `level${k}\ninclude f${k + 1}.conf\n`;
  files['f10.conf'] = 'level10\n';
  withTree(files, (root) => {
    const r = parseConfigFile(join(root, 'f0.conf'), { maxIncludeDepth: 3 });
    assert.deepEqual(r.nodes.map((n) => n.keyword), ['level0', 'level1', 'level2', 'level3']);
    assert.equal(r.diagnostics.length, 1);
    assert.equal(r.diagnostics[0].file, join(root, 'f3.conf'));
    assert.equal(r.diagnostics[0].line, 2);
    assert.match(r.diagnostics[0].message, /nested more than 3 deep/);
    const all = parseConfigFile(join(root, 'f0.conf'));
    assert.equal(all.nodes.length, 11);
  });
});

test('a block may span files, as keepalived reads includes as a stream of lines', () => {
  withTree({ 'main.conf': 'vrrp_instance X {\ninclude body.conf\n', 'body.conf': 'state MASTER\n}\n' }, (root) => {
    const r = parseConfigFile(join(root, 'main.conf'));
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(flat(r.nodes, root), ['vrrp_instance X @main.conf:1', '  state MASTER @body.conf:1']);
  });
});

test('include errors: no pattern, include after a brace; the pattern is the rest of the line', () => {
  const r = parseConfigText('include\ninclude a b\nx { include c.conf }\ninclude "with space.conf"\n', '/nonexistent-dir/t.conf', { configId: null });
  assert.deepEqual(r.diagnostics.map((d) => [d.line, d.severity]), [[1, 'error'], [2, 'warning'], [3, 'error'], [4, 'warning']]);
  assert.match(r.diagnostics[0].message, /needs a file pattern/);
  assert.match(r.diagnostics[1].message, /include a b: no such file/);
  assert.match(r.diagnostics[2].message, /line of its own/);
  assert.match(r.diagnostics[3].message, /include with space\.conf: no such file/);
  withTree({ 'main.conf': 'include my file.conf\ninclude "my file.conf"\n', 'my file.conf': 'spaced\n' }, (root) => {
    const f = parseConfigFile(join(root, 'main.conf'));
    assert.deepEqual(f.diagnostics, []);
    assert.deepEqual(f.nodes.map((n) => n.keyword), ['spaced', 'spaced']);
  });
});

test('includer/includem/includew/includeb/includea turn the matching problems into errors', () => {
  withTree({ 'main.conf': '', 'd/a.conf': 'a\n', 'd/sub/x': '', 'd/run.conf': 'r\n' }, (root) => {
    chmodSync(join(root, 'd/run.conf'), 0o755);
    const sev = (line: string): string[] => {
      writeFileSync(join(root, 'main.conf'), line + '\n');
      return parseConfigFile(join(root, 'main.conf')).diagnostics.map((d) => d.severity);
    };
    // a literal file that does not exist
    assert.deepEqual(sev('include d/none.conf'), ['warning']);
    assert.deepEqual(sev('includer d/none.conf'), ['warning']);
    assert.deepEqual(sev('includem d/none.conf'), ['error']);
    // a wildcard that matches nothing
    assert.deepEqual(sev('includem d/*.none'), ['warning']);
    assert.deepEqual(sev('includew d/*.none'), ['error']);
    // a brace alternative that matches nothing
    assert.deepEqual(sev('include d/{a,none}.conf'), ['warning']);
    assert.deepEqual(sev('includeb d/{a,none}.conf'), ['error']);
    // matches that cannot be read as config files: the directory is only mentioned by includer & co.
    assert.deepEqual(sev('include d/*'), ['warning']);
    assert.deepEqual(sev('includer d/*'), ['error', 'error']);
    assert.deepEqual(sev('includea d/{a,none}.conf'), ['error']);
    writeFileSync(join(root, 'main.conf'), 'includea d/a.conf\n');
    const ok = parseConfigFile(join(root, 'main.conf'));
    assert.deepEqual(ok.diagnostics, []);
    assert.deepEqual(ok.nodes.map((n) => n.keyword), ['a']);
  });
});

test('include works after @ID filtering and parameter substitution', () => {
  withTree({ 'main.conf': '$DIR=parts\n@main include ${DIR}/m.conf\n@other include ${DIR}/o.conf\n', 'parts/m.conf': 'm\n', 'parts/o.conf': 'o\n' }, (root) => {
    const r = parseConfigFile(join(root, 'main.conf'), { configId: 'main' });
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.nodes.map((n) => n.keyword), ['m']);
  });
});

test('expandBraces: csh order, nesting, empty alternatives, unmatched braces literal', () => {
  assert.deepEqual(expandBraces('d/{b,a}.conf'), ['d/b.conf', 'd/a.conf']);
  assert.deepEqual(expandBraces('{foo/{,cat,dog},bar}'), ['foo/', 'foo/cat', 'foo/dog', 'bar']);
  assert.deepEqual(expandBraces('{a,b}{1,2}'), ['a1', 'a2', 'b1', 'b2']);
  assert.deepEqual(expandBraces('x{a'), ['x{a']);
  assert.deepEqual(expandBraces('plain'), ['plain']);
  assert.equal(expandBraces('{a,b}'.repeat(20)).length, 1024, 'bounded');
});

test('matchName: *, ?, classes, ranges, negation, leading dot', () => {
  assert.ok(matchName('*.conf', 'a.conf'));
  assert.ok(!matchName('*.conf', 'a.conf.bak'));
  assert.ok(!matchName('*.conf', '.a.conf'));
  assert.ok(matchName('.*.conf', '.a.conf'));
  assert.ok(matchName('?.x', 'z.x'));
  assert.ok(!matchName('?.x', 'zz.x'));
  assert.ok(matchName('[a-c]1', 'b1'));
  assert.ok(!matchName('[a-c]1', 'd1'));
  assert.ok(matchName('[!a-c]1', 'd1'));
  assert.ok(matchName('[^a-c]1', 'd1'));
  assert.ok(matchName('[]]', ']'));
  assert.ok(matchName('a[b', 'a[b'), 'an unclosed [ is literal');
  assert.ok(matchName('*a*b*c*', 'xxaxxbxxcxx'));
  assert.ok(!matchName('*a*b*c*', 'xxaxxcxxbxx'));
  assert.ok(!matchName('a*'.repeat(30) + 'b', 'a'.repeat(100)), 'no exponential backtracking');
});

test('globPath and includeCycle directly', () => {
  withTree({ 'x/1.conf': '', 'x/2.conf': '' }, (root) => {
    assert.deepEqual(globPath(join(root, 'x/*.conf'), nodeConfigFs), [join(root, 'x/1.conf'), join(root, 'x/2.conf')]);
    assert.deepEqual(globPath(join(root, 'x/3.conf'), nodeConfigFs), []);
    assert.deepEqual(globPath(join(root, 'nodir/*.conf'), nodeConfigFs), []);
  });
  assert.deepEqual(includeCycle(['/a', '/b'], '/a'), ['/a', '/b', '/a']);
  assert.deepEqual(includeCycle(['/a', '/b'], '/b'), ['/b', '/b']);
  assert.equal(includeCycle(['/a', '/b'], '/c'), null);
});
