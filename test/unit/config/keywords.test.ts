// The keyword table is the compatibility list: keep it consistent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keywordTable, lookupKeyword } from '../../../src/config/keywords.ts';
import type { BlockKind } from '../../../src/config/keywords.ts';

test('no keyword appears twice in a block', () => {
  for (const [block, specs] of Object.entries(keywordTable)) {
    const names = specs.map((s) => s.keyword);
    assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], block);
  }
});

test('every alias points at a keyword of the same block, with the same value kind', () => {
  for (const [block, specs] of Object.entries(keywordTable) as [BlockKind, typeof keywordTable.root][]) {
    for (const s of specs.filter((x) => x.aliasOf)) {
      const target = lookupKeyword(block, s.aliasOf!);
      assert.ok(target, `${block}: ${s.keyword} -> ${s.aliasOf}`);
      assert.deepEqual(target.value.type, s.value.type, `${block}: ${s.keyword}`);
    }
  }
});

test('supported value keywords name a model field; durations carry Ms', () => {
  for (const [block, specs] of Object.entries(keywordTable)) {
    for (const s of specs) {
      if (s.aliasOf || s.status === 'not-supported-yet') continue;
      if (['flag', 'int', 'seconds', 'string', 'words', 'ip', 'enum', 'script'].includes(s.value.type)) assert.notEqual(s.field, '', `${block}: ${s.keyword}`);
      if (s.value.type === 'seconds') assert.match(s.field, /Ms$/, `${block}: ${s.keyword}`);
    }
  }
});

test('the deprecated spellings the issue names are mapped', () => {
  assert.equal(lookupKeyword('HTTP_GET', 'nb_get_retry')?.aliasOf, 'retry');
  assert.equal(lookupKeyword('virtual_server', 'lvs_sched')?.aliasOf, 'lb_algo');
  assert.equal(lookupKeyword('virtual_server', 'lvs_method')?.aliasOf, 'lb_kind');
  assert.equal(lookupKeyword('root', 'vrrp_track_file')?.aliasOf, 'track_file');
});
