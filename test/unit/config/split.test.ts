import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfNode } from '../../../src/config/ast.ts';
import { splitNode } from '../../../src/config/split.ts';

const leaf = (keyword: string, args: string[]): ConfNode => ({ keyword, args, children: null, file: '/f', line: 7 });
const words = (ns: ConfNode[]): string[][] => ns.map((n) => [n.keyword, ...n.args]);

test('a line holding several checker keywords is cut by arity, keeping the line', () => {
  const out = splitNode(leaf('connect_timeout', ['1', 'retry', '0', 'delay_before_retry', '1']), 'HTTP_GET');
  assert.deepEqual(words(out), [['connect_timeout', '1'], ['retry', '0'], ['delay_before_retry', '1']]);
  assert.ok(out.every((n) => n.line === 7 && n.file === '/f'));
});

test('url { path / status_code 200 }: path takes one word, status_code the rest', () => {
  assert.deepEqual(words(splitNode(leaf('path', ['/', 'status_code', '200', '301']), 'url')), [['path', '/'], ['status_code', '200', '301']]);
});

test('flags take a boolean word only when one follows', () => {
  assert.deepEqual(words(splitNode(leaf('nopreempt', ['priority', '50']), 'vrrp_instance')), [['nopreempt'], ['priority', '50']]);
  assert.deepEqual(words(splitNode(leaf('nopreempt', ['off', 'priority', '50']), 'vrrp_instance')), [['nopreempt', 'off'], ['priority', '50']]);
});

test('weight takes reverse/noreverse, scripts stop at the next keyword', () => {
  assert.deepEqual(words(splitNode(leaf('weight', ['-5', 'reverse', 'rise', '2']), 'vrrp_script')), [['weight', '-5', 'reverse'], ['rise', '2']]);
  assert.deepEqual(words(splitNode(leaf('misc_path', ['/bin/x a', 'misc_timeout', '3', 'misc_dynamic']), 'MISC_CHECK')), [
    ['misc_path', '/bin/x a'], ['misc_timeout', '3'], ['misc_dynamic'],
  ]);
});

test('a stray word that is no keyword stays with the keyword (reported as too many arguments later)', () => {
  assert.deepEqual(words(splitNode(leaf('priority', ['100', '200']), 'vrrp_instance')), [['priority', '100', '200']]);
});

test('nodes that open a block are never cut', () => {
  const n: ConfNode = { keyword: 'real_server', args: ['10.0.0.1', '80'], children: [], file: '/f', line: 1 };
  assert.equal(splitNode(n, 'virtual_server')[0], n);
});
