// The configuration corpus: every valid config must build exactly its expected JSON model, every
// invalid one must be refused with each of its `# expect: LINE: message` errors at that line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { formatDiagnostic } from '../../../src/config/ast.ts';
import { modelToJson } from '../../../src/config/json.ts';
import { keywordTable } from '../../../src/config/keywords.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { confFiles, corpusOptions, expectations, invalidDir, validDir } from '../../fixtures/config/corpus.ts';

const valid = confFiles(validDir);
const invalid = confFiles(invalidDir);

test('the corpus has at least 40 configs, 15 of them invalid', () => {
  assert.ok(valid.length + invalid.length >= 40, `${valid.length + invalid.length} configs`);
  assert.ok(invalid.length >= 15, `${invalid.length} invalid configs`);
});

test('every supported keyword of every block is used by some valid config', () => {
  const written = new Set(valid.flatMap((f) => readFileSync(f, 'utf8').split(/[\s{}]+/)));
  const missing = Object.entries(keywordTable).flatMap(([block, specs]) =>
    specs.filter((s) => s.status === 'supported' && !written.has(s.keyword)).map((s) => `${block}: ${s.keyword}`),
  );
  assert.deepEqual(missing, []);
});

for (const file of valid) {
  test(`valid/${basename(file)} builds its expected model`, () => {
    const { model, diagnostics } = loadConfig(file, corpusOptions);
    const errors = diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    assert.deepEqual(errors, []);
    assert.ok(model);
    const expected = JSON.parse(readFileSync(file.replace(/\.conf$/, '.expected.json'), 'utf8'));
    // Round-trip through JSON text, as check-config --json prints it.
    assert.deepEqual(JSON.parse(JSON.stringify(modelToJson(model))), expected);
  });
}

for (const file of invalid) {
  test(`invalid/${basename(file)} is refused at the expected line`, () => {
    const wanted = expectations(file);
    assert.ok(wanted.length > 0, 'an invalid config must start with # expect: LINE: message');
    const { model, diagnostics } = loadConfig(file, corpusOptions);
    assert.equal(model, null);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    for (const w of wanted) {
      const hit = errors.find((d) => d.file === file && d.line === w.line && d.message.includes(w.message));
      assert.ok(hit, `expected error at line ${w.line} containing "${w.message}", got:\n${errors.map(formatDiagnostic).join('\n')}`);
    }
  });
}
