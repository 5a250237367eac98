import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigFile, parseConfigText } from '../../../src/config/parser.ts';
import type { ConfNode, Diagnostic } from '../../../src/config/ast.ts';
import { formatDiagnostic } from '../../../src/config/ast.ts';

/** A compact, comparable picture of a tree: `kw arg arg @line` with children nested. */
interface Shape {
  n: string;
  c?: Shape[];
}
function shape(nodes: ConfNode[]): Shape[] {
  return nodes.map((x) => {
    const s: Shape = { n: [x.keyword, ...x.args].join(' ') + ` @${x.line}` };
    if (x.children !== null) s.c = shape(x.children);
    return s;
  });
}

function parse(text: string) {
  return parseConfigText(text, 't.conf', { configId: 'main' });
}

function errors(ds: Diagnostic[]): Array<[number, string]> {
  return ds.filter((d) => d.severity === 'error').map((d) => [d.line, d.message]);
}

test('blocks, leaves and line numbers', () => {
  const r = parse(`! Configuration File for keepalived
global_defs {
   router_id LVS_DEVEL
   notification_email {
     acassen@firewall.loc
   }
}

vrrp_instance VI_1 {
    state MASTER
    virtual_ipaddress {
        192.168.200.16/24 dev eth0 label eth0:1
    }
}
`);
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(shape(r.nodes), [
    { n: 'global_defs @2', c: [{ n: 'router_id LVS_DEVEL @3' }, { n: 'notification_email @4', c: [{ n: 'acassen@firewall.loc @5' }] }] },
    { n: 'vrrp_instance VI_1 @9', c: [{ n: 'state MASTER @10' }, { n: 'virtual_ipaddress @11', c: [{ n: '192.168.200.16/24 dev eth0 label eth0:1 @12' }] }] },
  ]);
  assert.equal(r.nodes[0].file, 't.conf');
  assert.equal(r.nodes[0].children?.[0].children, null, 'a leaf has children null');
});

test('one node per segment between braces on a one-line block (the model builder splits by arity)', () => {
  const r = parse('real_server 1.1.1.1 80 { HTTP_GET { url { path / status_code 200 } connect_timeout 1 retry 0 } }');
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(shape(r.nodes), [
    {
      n: 'real_server 1.1.1.1 80 @1',
      c: [{ n: 'HTTP_GET @1', c: [{ n: 'url @1', c: [{ n: 'path / status_code 200 @1' }] }, { n: 'connect_timeout 1 retry 0 @1' }] }],
    },
  ]);
});

test('braces glued to words, several blocks closed at once, empty blocks', () => {
  const r = parse('a{b{c}}d{}\ne {\n}');
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(shape(r.nodes), [
    { n: 'a @1', c: [{ n: 'b @1', c: [{ n: 'c @1' }] }] },
    { n: 'd @1', c: [] },
    { n: 'e @2', c: [] },
  ]);
});

test('a { on the line after the keyword opens its block, as keepalived allows', () => {
  const r = parse('vrrp_instance VI_1\n{\n  state BACKUP\n}\nnext');
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(shape(r.nodes), [{ n: 'vrrp_instance VI_1 @1', c: [{ n: 'state BACKUP @3' }] }, { n: 'next @5' }]);
});

test('a line with words opens a block only for its last segment', () => {
  const r = parse('virtual_server_group G { 10.0.0.1 80 10.0.0.2 80 }');
  assert.deepEqual(shape(r.nodes), [{ n: 'virtual_server_group G @1', c: [{ n: '10.0.0.1 80 10.0.0.2 80 @1' }] }]);
});

test('an unmatched } is reported at its own line and ignored', () => {
  const r = parse('a {\n b\n}\n}\nc');
  assert.deepEqual(errors(r.diagnostics), [[4, "unmatched '}' - ignoring it"]]);
  assert.deepEqual(shape(r.nodes), [{ n: 'a @1', c: [{ n: 'b @2' }] }, { n: 'c @5' }]);
});

test('an unclosed { is reported at the line that opened it', () => {
  const r = parse('global_defs {\n  router_id x\n}\nvrrp_instance VI_1 {\n  state MASTER\n  virtual_ipaddress {\n    1.2.3.4\n');
  const e = errors(r.diagnostics);
  assert.equal(e.length, 2);
  assert.deepEqual(e.map(([line]) => line), [6, 4], 'innermost first, each at its own { line');
  assert.match(e[0][1], /'virtual_ipaddress' .*never closed/);
  assert.match(e[1][1], /'vrrp_instance' .*never closed/);
  // what was read is kept
  assert.deepEqual(shape(r.nodes)[1], { n: 'vrrp_instance VI_1 @4', c: [{ n: 'state MASTER @5' }, { n: 'virtual_ipaddress @6', c: [{ n: '1.2.3.4 @7' }] }] });
});

test('a { with no keyword is reported; its } still matches it and its lines stay in the enclosing block', () => {
  const r = parse('a {\n  {\n    b\n  }\n  c\n}\nd');
  assert.deepEqual(errors(r.diagnostics), [[2, "'{' without a keyword before it - ignoring it"]]);
  assert.deepEqual(shape(r.nodes), [{ n: 'a @1', c: [{ n: 'b @3' }, { n: 'c @5' }] }, { n: 'd @7' }]);
  const top = parse('{ x }');
  assert.deepEqual(errors(top.diagnostics), [[1, "'{' without a keyword before it - ignoring it"]]);
  assert.deepEqual(shape(top.nodes), [{ n: 'x @1' }]);
});

test('a { right after } has no keyword', () => {
  const r = parse('a { } { b }');
  assert.equal(errors(r.diagnostics).length, 1);
  assert.deepEqual(shape(r.nodes), [{ n: 'a @1', c: [] }, { n: 'b @1' }]);
});

test('an unterminated quote is reported at its line and the rest of the file is still read', () => {
  const r = parse('global_defs {\n  router_id "abc\n}\nvrrp_instance X {\n}');
  assert.deepEqual(errors(r.diagnostics).map(([l]) => l), [2]);
  assert.match(errors(r.diagnostics)[0][1], /unterminated quote/);
  assert.deepEqual(shape(r.nodes), [{ n: 'global_defs @1', c: [{ n: 'router_id abc @2' }] }, { n: 'vrrp_instance X @4', c: [] }]);
});

test('quotes, comments and escapes reach the args resolved', () => {
  const r = parse('vrrp_script chk { script "/usr/bin/killall -0 haproxy" # check\n  weight -20 }\nnotify "/x.sh \\"a b\\"" user\\x20x');
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.nodes[0].children?.[0].args, ['/usr/bin/killall -0 haproxy']);
  assert.deepEqual(r.nodes[0].children?.[1].args, ['-20']);
  assert.deepEqual(r.nodes[1].args, ['/x.sh "a b"', 'user x']);
});

test('deep nesting is bounded and reported, not a crash', () => {
  const depth = 5000;
  const text = 'a {'.repeat(depth) + '}'.repeat(depth);
  const r = parse(text);
  assert.ok(r.diagnostics.some((d) => /nested more than/.test(d.message)));
  assert.ok(r.diagnostics.every((d) => d.line === 1));
  let levels = 0;
  for (let n: ConfNode[] | null = r.nodes; n !== null && n.length > 0 && levels < depth; n = n[0].children) levels++;
  assert.ok(levels <= 65, `tree depth ${levels}`);
});

test('empty and comment-only texts give no nodes and no diagnostics', () => {
  for (const t of ['', '\n\n', '# x\n! y\n   \n']) {
    const r = parse(t);
    assert.deepEqual(r, { nodes: [], diagnostics: [] });
  }
});

test('parseConfigFile reads a file, labels nodes with its absolute path and lists it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kats-parser-'));
  try {
    const path = join(dir, 'keepalived.conf');
    writeFileSync(path, 'global_defs {\n  router_id r1\n}\n');
    const r = parseConfigFile(path);
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.files, [path]);
    assert.equal(r.nodes[0].file, path);
    assert.equal(r.nodes[0].children?.[0].line, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseConfigFile: a missing, a directory or an executable file is an error naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kats-parser-'));
  try {
    const missing = parseConfigFile(join(dir, 'nope.conf'));
    assert.equal(missing.diagnostics.length, 1);
    assert.equal(missing.diagnostics[0].file, join(dir, 'nope.conf'));
    assert.match(formatDiagnostic(missing.diagnostics[0]), /nope\.conf:1: cannot read configuration file/);
    assert.deepEqual(missing.nodes, []);

    assert.match(parseConfigFile(dir).diagnostics[0].message, /not a regular file/);

    const exe = join(dir, 'exe.conf');
    writeFileSync(exe, 'a b\n');
    chmodSync(exe, 0o755);
    const r = parseConfigFile(exe);
    assert.match(r.diagnostics[0].message, /executable/);
    assert.deepEqual(shape(r.nodes), [{ n: 'a b @1' }], 'still parsed, so that other errors show too');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseConfigText with an injected readFile never touches the disk for includes', () => {
  const files: Record<string, string> = { '/etc/k/part.conf': 'inner 1\n' };
  const readFile = (p: string): string => {
    const t = files[p];
    if (t === undefined) throw new Error(`ENOENT: ${p}`);
    return t;
  };
  const r = parseConfigText('outer {\ninclude part.conf\n}\n', '/etc/k/keepalived.conf', { readFile, configId: null });
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(shape(r.nodes), [{ n: 'outer @1', c: [{ n: 'inner 1 @1' }] }]);
  assert.equal(r.nodes[0].children?.[0].file, '/etc/k/part.conf');
});

test('a flood of unclosed blocks is reported innermost first, then summed up', () => {
  const r = parse('x {\n' + 'a {\n'.repeat(30));
  const e = errors(r.diagnostics);
  assert.equal(e.length, 21);
  assert.equal(e[0][0], 31, 'innermost first');
  assert.equal(e[20][0], 1);
  assert.match(e[20][1], /^11 more unclosed/);
  const deep = parse('a {'.repeat(200) + '}'.repeat(200));
  assert.deepEqual(errors(deep.diagnostics), [[1, 'blocks nested more than 64 deep - deeper blocks are flattened']], 'reported once, braces still balanced');
});
