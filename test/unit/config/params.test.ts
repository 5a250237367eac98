import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigFile, parseConfigText } from '../../../src/config/parser.ts';
import type { ParseOptions } from '../../../src/config/parser.ts';
import type { ConfNode } from '../../../src/config/ast.ts';
import { applyConditional, defaultConfigId } from '../../../src/config/conditional.ts';
import { ParamTable, substitute } from '../../../src/config/params.ts';
import { MAX_REPEAT, readLong } from '../../../src/config/sequence.ts';

/** Each top-level leaf as `words @line`, nested blocks flattened with indentation. */
function lines(nodes: ConfNode[], depth = 0): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    out.push(`${'  '.repeat(depth)}${[n.keyword, ...n.args].join(' ')} @${n.line}`);
    if (n.children !== null) out.push(...lines(n.children, depth + 1));
  }
  return out;
}

function run(text: string, opts: ParseOptions = {}) {
  return parseConfigText(text, '/virtual/t.conf', { configId: 'main', ...opts });
}

function ok(text: string, opts: ParseOptions = {}): string[] {
  const r = run(text, opts);
  assert.deepEqual(r.diagnostics, []);
  return lines(r.nodes);
}

test('$NAME=value, then $NAME before a blank, comma, ) or end of line, and ${NAME} anywhere', () => {
  assert.deepEqual(ok('$A=hello\nx $A ${A}/y $A,z ($A) $A'), ['x hello hello/y hello,z (hello) hello @2']);
});

test('$NAME glued to other text is not a reference (keepalived needs ${NAME} there)', () => {
  assert.deepEqual(ok('$A=hello\nx $A/y $Ax a$A'), ['x $A/y $Ax ahello @2']);
});

test('undefined parameters are left untouched', () => {
  assert.deepEqual(ok('script "kill -0 $PID ${UNDEF}"'), ['script kill -0 $PID ${UNDEF} @1']);
  assert.deepEqual(ok('$A=1\nscript "echo $HOME ${A}"'), ['script echo $HOME 1 @2']);
});

test('substitution is recursive and evaluated at use time (keepalived.conf(5) example)', () => {
  const text = ['$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}', '$ADDRESS_BASE_SUB=0', '${ADDRESS_BASE}.100/32', '$ADDRESS_BASE_SUB=10', '${ADDRESS_BASE}.100/32'].join('\n');
  assert.deepEqual(ok(text), ['10.2.0.100/32 @3', '10.2.10.100/32 @5']);
});

test('definitions: blank before = is not a definition, empty values, quotes and comments in values', () => {
  assert.deepEqual(ok('$E=\nx a${E}b'), ['x ab @2']);
  assert.deepEqual(ok('$S="a b" # comment\nx $S'), ['x a b @2']);
  // `$N =1` is not a definition, so it stays as a line
  assert.deepEqual(ok('$N =1'), ['$N =1 @1']);
  // leading whitespace before `$` is allowed (the line is decommented first)
  assert.deepEqual(ok('   $I=7\nx $I'), ['x 7 @2']);
});

test('a value may hold braces: substitution happens before the line is cut at braces', () => {
  assert.deepEqual(ok('$OPEN=vrrp_instance VI_1 {\n$OPEN\n  state MASTER\n}'), ['vrrp_instance VI_1 @2', '  state MASTER @3']);
});

test('a value may make the line conditional or a definition (rechecked after substitution)', () => {
  assert.deepEqual(ok('$IF_MAIN=@main\n$IF_MAIN priority 240\n$IF_BK=@backup\n$IF_BK priority 100'), ['priority 240 @2']);
  assert.deepEqual(ok('$D=$Y=5\n$D\nx ${Y}'), ['x 5 @3']);
});

test('a self-referencing parameter is an error at the line of use, not a hang', () => {
  const r = run('$R=$R$R\nx $R\n$L=a $L\ny $L\nok 1');
  assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.line]), [['error', 2], ['error', 4]]);
  assert.match(r.diagnostics[0].message, /parameter/);
  assert.deepEqual(lines(r.nodes), ['ok 1 @5']);
});

test('multi-line definitions (keepalived.conf(5) example) expand at the line of use', () => {
  const text = [
    '$INSTANCE= \\',
    'vrrp_instance VI_${NUM} { \\',
    '    interface eth0.${NUM} \\',
    '    @main priority 130 \\',
    '    @backup priority 120 \\',
    '    virtual_ipaddress { \\',
    '        10.0.${NUM}.254/24 \\',
    '    } \\',
    '}',
    '',
    '$NUM=0',
    '$INSTANCE',
    '',
    '$NUM=1',
    '$INSTANCE',
  ].join('\n');
  assert.deepEqual(ok(text), [
    'vrrp_instance VI_0 @12',
    '  interface eth0.0 @12',
    '  priority 130 @12',
    '  virtual_ipaddress @12',
    '    10.0.0.254/24 @12',
    'vrrp_instance VI_1 @15',
    '  interface eth0.1 @15',
    '  priority 130 @15',
    '  virtual_ipaddress @15',
    '    10.0.1.254/24 @15',
  ]);
});

test('multi-line definitions nest, and definitions inside them take effect line by line', () => {
  const text = [
    '$RS= \\',
    'real_server 192.168.${VS_NUM}.${RS_NUM} 80 { \\',
    '    weight 1 \\',
    '}',
    '$VS= \\',
    'virtual_server 10.0.${VS_NUM}.4 80 { \\',
    '    $RS_NUM=1 \\',
    '    $RS \\',
    '    $RS_NUM=2 \\',
    '    $RS \\',
    '}',
    '$VS_NUM=7',
    '$VS',
  ].join('\n');
  assert.deepEqual(ok(text), [
    'virtual_server 10.0.7.4 80 @13',
    '  real_server 192.168.7.1 80 @13',
    '    weight 1 @13',
    '  real_server 192.168.7.2 80 @13',
    '    weight 1 @13',
  ]);
});

test('a multi-line value ends at a blank line or a comment-only line, as in keepalived 2.2.7', () => {
  assert.deepEqual(ok('$M=\\\nxa1 \\\n\nxa2\n$M'), ['xa2 @4', 'xa1 @5']);
  assert.deepEqual(ok('$M=a \\\nb \\\n# comment\nc\n$M'), ['c @4', 'a @5', 'b @5']);
});

test('a multi-line parameter is only substituted at the end of a line', () => {
  assert.deepEqual(ok('$M=a \\\nb\nx $M y\nz $M'), ['x $M y @3', 'z a @4', 'b @4']);
});

test('a multi-line parameter that expands to itself stops at the generated-lines bound', () => {
  const r = run('$M=x \\\n$M\n$M\nafter', { maxGeneratedLines: 500 });
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0].line, 3);
  assert.match(r.diagnostics[0].message, /more than 500 lines/);
  assert.equal(r.nodes.at(-1)?.keyword, 'after');
  assert.ok(r.nodes.length <= 502);
});

test('@ID and @^ID lines follow the config id', () => {
  const text = 'global_defs {\n  @main router_id main_router\n  @backup router_id backup_router\n}\nunicast_peer {\n  @^main 1.2.3.4\n  @^backup 1.2.3.5\n}';
  assert.deepEqual(ok(text, { configId: 'main' }), ['global_defs @1', '  router_id main_router @2', 'unicast_peer @5', '  1.2.3.5 @7']);
  assert.deepEqual(ok(text, { configId: 'backup' }), ['global_defs @1', '  router_id backup_router @3', 'unicast_peer @5', '  1.2.3.4 @6']);
  assert.deepEqual(ok(text, { configId: null }), ['global_defs @1', 'unicast_peer @5', '  1.2.3.4 @6', '  1.2.3.5 @7']);
});

test('@ID with nothing after it is dropped; @ID conditions definitions', () => {
  assert.deepEqual(ok('@main\n@^other\nx 1'), ['x 1 @3']);
  assert.deepEqual(ok('@main $PRIORITY=240\n@backup $PRIORITY=200\npriority $PRIORITY'), ['priority 240 @3']);
  assert.deepEqual(ok('@main $PRIORITY=240\n@backup $PRIORITY=200\npriority $PRIORITY', { configId: 'backup' }), ['priority 200 @3']);
});

test('the default config id is the host name up to its first dot', () => {
  const id = defaultConfigId();
  assert.equal(id, hostname().split('.')[0]);
  const r = parseConfigText(`@${id} kept 1\n@^${id} dropped 1`, 't.conf');
  assert.deepEqual(lines(r.nodes), ['kept 1 @1']);
});

test('applyConditional directly', () => {
  assert.equal(applyConditional('@a  x y', 'a'), 'x y');
  assert.equal(applyConditional('@a x', 'ab'), null);
  assert.equal(applyConditional('@^a x', 'ab'), 'x');
  assert.equal(applyConditional('@^a x', 'a'), null);
  assert.equal(applyConditional('plain', 'a'), 'plain');
});

test('pre-defined parameters: _INSTANCE, _HASH, _BANG, _RANDOM, _PWD', () => {
  assert.deepEqual(ok('x ${_INSTANCE} a${_HASH}b c${_BANG}d'), ['x main a#b c!d @1']);
  const r = run('~SEQ(i, 1, 200) r ${_RANDOM 5 9}');
  const values = r.nodes.map((n) => Number(n.args[0]));
  assert.equal(values.length, 200);
  assert.ok(values.every((v) => Number.isInteger(v) && v >= 5 && v <= 9), values.join(','));
  assert.ok(new Set(values).size > 1, 'random values vary');
  const fixed = run('r ${_RANDOM}', { random: () => 0.5 });
  assert.deepEqual(fixed.nodes[0].args, [String(Math.floor(0.5 * 32768))]);
  // a user definition overrides a pre-defined one
  assert.deepEqual(ok('$_HASH=hash\nx ${_HASH}'), ['x hash @2']);

  const dir = mkdtempSync(join(tmpdir(), 'kats-params-'));
  try {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'main.conf'), 'top ${_PWD}\ninclude sub/inner.conf\nback ${_PWD}\n');
    writeFileSync(join(dir, 'sub/inner.conf'), 'inner ${_PWD}\n');
    const f = parseConfigFile(join(dir, 'main.conf'));
    assert.deepEqual(f.diagnostics, []);
    assert.deepEqual(f.nodes.map((n) => [n.keyword, n.args[0]]), [['top', dir], ['inner', join(dir, 'sub')], ['back', dir]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parameters persist from an included file to the including one', () => {
  const files: Record<string, string> = { '/v/defs.conf': '$PRIO=150\n' };
  const readFile = (p: string): string => {
    if (files[p] === undefined) throw new Error('ENOENT');
    return files[p];
  };
  const r = parseConfigText('include defs.conf\npriority $PRIO', '/v/main.conf', { readFile, configId: null });
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(lines(r.nodes), ['priority 150 @2']);
});

test('~SEQ: decimal, hex, omitted start and step, negative steps (keepalived.conf(5) examples)', () => {
  assert.deepEqual(ok('~SEQ(SUBNET, 0, 3) ip_address 10.0.${SUBNET}.1'), [0, 1, 2, 3].map((k) => `ip_address 10.0.${k}.1 @1`));
  const hex = ['90', 'a0', 'b0', 'c0'].map((h) => `ip_address fe80::20:${h}:1 @1`);
  assert.deepEqual(ok('~SEQx(SUBNET, 144, 16, 192) ip_address fe80::20:${SUBNET}:1'), hex);
  assert.deepEqual(ok('~SEQx(SUBNET, 0x90, 0x10, 0xc0) ip_address fe80::20:${SUBNET}:1'), hex);
  assert.deepEqual(ok('~SEQ(i, 3) v $i'), ['v 1 @1', 'v 2 @1', 'v 3 @1']);
  assert.deepEqual(ok('~SEQ(i, -2) v $i'), ['v -1 @1', 'v -2 @1']);
  assert.deepEqual(ok('~SEQ(i, 3, 1) v $i'), ['v 3 @1', 'v 2 @1', 'v 1 @1']);
  assert.deepEqual(ok('~SEQ(i, 10, -4, 1) v $i'), ['v 10 @1', 'v 6 @1', 'v 2 @1']);
  assert.deepEqual(ok('$N=2\n~SEQ(i, ${N}) v $i'), ['v 1 @2', 'v 2 @2']);
});

test('~SEQ blocks nest and feed multi-line parameters', () => {
  assert.deepEqual(ok('virtual_ipaddress {\n~SEQx(AD2, 0x90, 0x10, 0xa0) ~SEQx(AD1, 0x12, -1, 0x11) fe81::10:${AD2}:${AD1}\n}'), [
    'virtual_ipaddress @1',
    '  fe81::10:90:12 @2',
    '  fe81::10:90:11 @2',
    '  fe81::10:a0:12 @2',
    '  fe81::10:a0:11 @2',
  ]);
  const text = '$VI= \\\nvrrp_instance v.${IF}.${ID} { \\\n  virtual_router_id ${ID} \\\n}\n~SEQ(IF,0,1) ~SEQ(ID,1,2) $VI';
  assert.deepEqual(ok(text), [
    'vrrp_instance v.0.1 @5', '  virtual_router_id 1 @5',
    'vrrp_instance v.0.2 @5', '  virtual_router_id 2 @5',
    'vrrp_instance v.1.1 @5', '  virtual_router_id 1 @5',
    'vrrp_instance v.1.2 @5', '  virtual_router_id 2 @5',
  ]);
});

test('~LST: one variable, several variables, nested and combined with ~SEQ', () => {
  assert.deepEqual(ok('~LST(IP, 1, 2) 192.169.${IP}'), ['192.169.1 @1', '192.169.2 @1']);
  assert.deepEqual(ok('~LST({IP, IP1}, {10,1},{20,4}) 192.168.${IP}.${IP1}'), ['192.168.10.1 @1', '192.168.20.4 @1']);
  assert.deepEqual(ok('~LST(IP, 1, 2) ~LST(IP1, 5,6) x ${IP}.${IP1}'), ['x 1.5 @1', 'x 1.6 @1', 'x 2.5 @1', 'x 2.6 @1']);
  assert.deepEqual(ok('~LST({IP,   IP1},  {10,1},{20,4})  ~SEQ(IP2,168,2,170) 192.${IP2}.${IP}.${IP1}'), [
    '192.168.10.1 @1', '192.170.10.1 @1', '192.168.20.4 @1', '192.170.20.4 @1',
  ]);
});

test('invalid ~SEQ / ~LST lines are errors at their line, never silently dropped', () => {
  const bad = ['~SEQ i,1,2) x', '~SEQ(i,1,0,5) x', '~SEQ(i,1,-1,5) x', '~SEQ(,1) x', '~SEQx(i,-3,3) x', '~SEQ(i,1,2 x', '~LST(a) x', '~LST({a,b},{1},{2,3}) x', '~SEQ(i,1,2,3,4) x', '~SEQ(i,1,x) y'];
  for (const b of bad) {
    const r = run(`ok 1\n${b}\nok 3`);
    assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.line]), [['error', 2]], b);
    assert.deepEqual(lines(r.nodes), ['ok 1 @1', 'ok 3 @3'], b);
  }
  const huge = run(`~SEQ(i, 1, ${MAX_REPEAT + 1}) x`);
  assert.match(huge.diagnostics[0].message, /would repeat/);
  assert.deepEqual(huge.nodes, []);
});

test('readLong reads numbers like strtol(..., 0)', () => {
  assert.deepEqual(readLong('0x1f,', 0), { value: 31, end: 4 });
  assert.deepEqual(readLong(' 017', 0), { value: 15, end: 4 });
  assert.deepEqual(readLong('-42)', 0), { value: -42, end: 3 });
  assert.deepEqual(readLong('x', 0), { value: 0, end: 0 });
});

test('substitute() reports the rest lines of a multi-line value in order', () => {
  const table = new ParamTable({ configId: null, currentDir: () => '/', random: Math.random });
  table.define('A', 'a1 $B\na2', true);
  table.define('B', 'b1\nb2', true);
  const s = substitute('x $A', table);
  assert.equal(s.error, null);
  assert.equal(s.text, 'x a1 b1');
  assert.deepEqual(s.following, ['b2', 'a2']);
});
