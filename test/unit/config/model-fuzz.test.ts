// Bad input never crashes the front end: 1500 mutants of the corpus (fixed seed, so a failure is
// reproducible from the printed seed and iteration) each end in a model or FILE:LINE errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzOnce, loadCorpus } from '../../fuzz/model-fuzz-run.ts';

const SEED = 20240611;
const ITERATIONS = 1500;

test(`${ITERATIONS} corpus mutants give a model or FILE:LINE errors, never an exception`, () => {
  const corpus = loadCorpus();
  assert.ok(corpus.files.length > 0);
  const failures: string[] = [];
  for (let i = 0; i < ITERATIONS && failures.length < 5; i++) {
    const failure = fuzzOnce(corpus, SEED, i);
    if (failure) failures.push(`seed ${SEED} iteration ${i}: ${failure}`);
  }
  assert.deepEqual(failures, []);
});
