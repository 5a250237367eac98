import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decommentLine, decodeEscape, lexText, splitPhysicalLines, splitWords, tokenizeLine } from '../../../src/config/lexer.ts';
import type { Token } from '../../../src/config/lexer.ts';

/** Renders tokens compactly: words as themselves, braces as `{` / `}`. */
function show(tokens: Token[]): string[] {
  return tokens.map((t) => (t.kind === 'word' ? t.text : t.kind === 'open' ? '{' : '}'));
}

function words(text: string): string[] {
  const r = tokenizeLine(decommentLine(text));
  assert.equal(r.error, null, `unexpected error for ${JSON.stringify(text)}`);
  return show(r.tokens);
}

test('# and ! start a comment anywhere on a line', () => {
  assert.deepEqual(words('router_id LVS # the name'), ['router_id', 'LVS']);
  assert.deepEqual(words('router_id LVS! the name'), ['router_id', 'LVS']);
  assert.deepEqual(words('   # only a comment'), []);
  assert.deepEqual(words('! only a comment'), []);
  assert.deepEqual(words('a#b'), ['a']);
});

test('comment characters inside quotes are text', () => {
  assert.deepEqual(words('router_id "my#id !x" # real comment'), ['router_id', 'my#id !x']);
  assert.deepEqual(words("script 'kill -0 #1' ! c"), ['script', 'kill -0 #1']);
});

test('an escaped comment character is text, and so is an escaped quote', () => {
  assert.deepEqual(words('auth_pass pa\\#ss\\!'), ['auth_pass', 'pa#ss!']);
  assert.deepEqual(words('x "a\\"#b" # c'), ['x', 'a"#b']);
});

test('decommentLine strips leading and trailing blanks, keeps a trailing backslash', () => {
  assert.equal(decommentLine('  \t a b \t\r'), 'a b');
  assert.equal(decommentLine('$M=one \\'), '$M=one \\');
  assert.equal(decommentLine('   '), '');
});

test('quoted strings keep inner whitespace and may be glued to unquoted text', () => {
  assert.deepEqual(words('notify_master "/path/x.sh  arg1"'), ['notify_master', '/path/x.sh  arg1']);
  assert.deepEqual(words("a 'b c' d"), ['a', 'b c', 'd']);
  // keepalived.conf(5) "Quoted strings": abcd" efg h jkl "mnop is the single string `abcd efg h jkl mnop`.
  assert.deepEqual(words('abcd" efg h jkl "mnop'), ['abcd efg h jkl mnop']);
  assert.deepEqual(words('x "" y'), ['x', '', 'y']);
  assert.deepEqual(words(`"it's" 'say "hi"'`), ["it's", 'say "hi"']);
});

test('escapes as keepalived.conf(5) documents them', () => {
  assert.deepEqual(words('"a\\tb\\nc"'), ['a\tb\nc']);
  assert.deepEqual(words('\\x41\\x4a\\x4A'), ['AJJ']);
  assert.deepEqual(words('\\101\\60\\0'), ['A0\0']);
  assert.deepEqual(words('\\cA\\cz'), ['\x01\x1a']);
  assert.deepEqual(words('\\a\\b\\E\\f\\r\\v'), ['\x07\b\x1b\f\r\v']);
  assert.deepEqual(words('\\\\ \\q \\"'), ['\\', 'q', '"']);
  // \x takes every following hex digit, keeping the low 8 bits; \x without a digit is `x`.
  assert.deepEqual(words('\\x141 \\xg'), ['A', 'xg']);
  // at most three octal digits
  assert.deepEqual(words('\\1011'), ['A1']);
});

test('decodeEscape: a backslash at the end of the line is itself', () => {
  assert.deepEqual(decodeEscape('ab\\', 2), { ch: '\\', next: 3 });
  assert.deepEqual(words('path C:\\'), ['path', 'C:\\']);
  assert.deepEqual(decodeEscape('\\c', 0), { ch: 'c', next: 2 });
});

test('escaped braces are text, quoted braces are text', () => {
  assert.deepEqual(words('a\\{b\\} "{x}" \'}\''), ['a{b}', '{x}', '}']);
});

test('braces are tokens even when glued to words', () => {
  assert.deepEqual(words('url{'), ['url', '{']);
  assert.deepEqual(words('}}'), ['}', '}']);
  assert.deepEqual(words('a{b}c'), ['a', '{', 'b', '}', 'c']);
  assert.deepEqual(words('HTTP_GET { url { path / status_code 200 } connect_timeout 1 retry 0 }'), [
    'HTTP_GET', '{', 'url', '{', 'path', '/', 'status_code', '200', '}', 'connect_timeout', '1', 'retry', '0', '}',
  ]);
});

test('an unterminated quote is an error but the word is kept', () => {
  const r = tokenizeLine('notify "/x.sh arg');
  assert.match(r.error ?? '', /unterminated quote.*"/);
  assert.deepEqual(show(r.tokens), ['notify', '/x.sh arg']);
  const s = tokenizeLine("a 'b");
  assert.match(s.error ?? '', /unterminated quote.*'/);
  // the comment character inside the open quote is not a comment
  assert.deepEqual(show(tokenizeLine(decommentLine('x "a # b')).tokens), ['x', 'a # b']);
});

test('splitWords without braces splits script command strings', () => {
  const r = splitWords("/usr/bin/x.sh 'arg one' {two} \\'three", false);
  assert.equal(r.error, null);
  assert.deepEqual(show(r.tokens), ['/usr/bin/x.sh', 'arg one', '{two}', "'three"]);
});

test('lexText numbers lines from 1, skips blank and comment lines, handles CRLF', () => {
  const text = '# header\r\nglobal_defs {\r\n\r\n  router_id a # c\r\n}\r\n';
  const lines = lexText(text);
  assert.deepEqual(
    lines.map((l) => [l.line, show(l.tokens)]),
    [
      [2, ['global_defs', '{']],
      [4, ['router_id', 'a']],
      [5, ['}']],
    ],
  );
});

test('lexText: several blocks opened and closed on one line', () => {
  const lines = lexText('a { b { c } } d { e }\nf');
  assert.deepEqual(show(lines[0].tokens), ['a', '{', 'b', '{', 'c', '}', '}', 'd', '{', 'e', '}']);
  assert.equal(lines[1].line, 2);
  assert.deepEqual(show(lines[1].tokens), ['f']);
});

test('lexText reports the line of an unterminated quote', () => {
  const lines = lexText('ok 1\nbad "x\nok 2');
  assert.equal(lines[1].line, 2);
  assert.notEqual(lines[1].error, null);
  assert.equal(lines[2].error, null);
});

test('splitPhysicalLines: a final newline does not add a line', () => {
  assert.deepEqual(splitPhysicalLines('a\nb\n'), ['a', 'b']);
  assert.deepEqual(splitPhysicalLines('a\nb'), ['a', 'b']);
  assert.deepEqual(splitPhysicalLines(''), ['']);
});

test('the lexer is linear: a 200k-line text and a 1 MB token are lexed', () => {
  const big = 'real_server 10.0.0.1 80 { weight 1 }\n'.repeat(200_000);
  const lines = lexText(big);
  assert.equal(lines.length, 200_000);
  assert.equal(lines[199_999].line, 200_000);
  const token = 'x'.repeat(1_000_000);
  const r = tokenizeLine(`a ${token} "${token}"`);
  assert.equal(r.tokens.length, 3);
  assert.equal((r.tokens[2] as { text: string }).text.length, 1_000_000);
});
