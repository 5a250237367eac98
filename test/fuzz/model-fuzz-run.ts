// One model-fuzz iteration, shared by test/unit/config/model-fuzz.test.ts and test/fuzz/long.ts:
// mutate a corpus config, load it through the whole front end with the mutated text injected as
// the file's content, and check the outcome is a model or FILE:LINE errors, never an exception.
import { readFileSync } from 'node:fs';
import { modelToJson } from '../../src/config/json.ts';
import { loadConfig } from '../../src/config/load.ts';
import { confFiles, corpusOptions, invalidDir, validDir } from '../fixtures/config/corpus.ts';
import { mulberry32, randInt } from './mutate.ts';
import { mutateModelConfig } from './mutate-model.ts';

export interface Corpus {
  files: string[];
  texts: Map<string, string>;
}

export function loadCorpus(): Corpus {
  const files = [...confFiles(validDir), ...confFiles(invalidDir)];
  return { files, texts: new Map(files.map((f) => [f, readFileSync(f, 'utf8')])) };
}

/** Returns null when the outcome is acceptable, else a description of the failure. */
export function fuzzOnce(corpus: Corpus, seed: number, iteration: number): string | null {
  const rng = mulberry32(seed * 1_000_003 + iteration);
  const file = corpus.files[randInt(rng, corpus.files.length)];
  const text = mutateModelConfig(corpus.texts.get(file) ?? '', rng);
  const readFile = (p: string): string => (p === file ? text : readFileSync(p, 'utf8'));
  try {
    const { model, diagnostics } = loadConfig(file, { ...corpusOptions, readFile });
    for (const d of diagnostics) {
      if (typeof d.file !== 'string' || d.file === '' || !Number.isInteger(d.line) || d.line < 1) {
        return `diagnostic without FILE:LINE: ${JSON.stringify(d)}`;
      }
      if (d.message.startsWith('internal error')) return `${d.file}:${d.line}: ${d.message}`;
    }
    if (model === null && !diagnostics.some((d) => d.severity === 'error')) return 'no model and no error';
    if (model !== null) JSON.stringify(modelToJson(model));
    return null;
  } catch (e) {
    return `exception: ${(e as Error)?.stack ?? String(e)}`;
  }
}
