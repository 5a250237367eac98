// The front end's entry points: a file (or ConfNode trees) in, a validated Model and FILE:LINE
// diagnostics out. Never throws on bad input: a bug in here is reported as an error diagnostic
// rather than taking the daemon (or check-config) down with a stack trace.
import type { ConfNode, Diagnostic } from './ast.ts';
import { buildModel } from './build.ts';
import type { KeywordPlaces } from './build.ts';
import { Diagnostics } from './diagnostics.ts';
import type { Model } from './model.ts';
import { parseConfigFile } from './parser.ts';
import type { ParseOptions } from './parser.ts';
import { validateModel } from './validate.ts';
import type { ValidateOptions } from './validate.ts';

export interface LoadOptions extends ValidateOptions {
  /** keepalived -i: the id `@ID` lines are compared with. */
  configId?: string;
  /** File reader injection (tests, fuzzing). */
  readFile?: ParseOptions['readFile'];
}

export interface LoadResult {
  /** Null exactly when an error was reported: a config with errors is not run. */
  model: Model | null;
  diagnostics: Diagnostic[];
}

/** Builds and validates a model from parsed nodes (pure apart from the optional host check). */
export function loadConfigNodes(nodes: ConfNode[], opts: LoadOptions = {}, earlier: Diagnostic[] = []): LoadResult {
  const d = new Diagnostics();
  d.list.push(...earlier);
  const at = nodes[0] ?? { file: '<config>', line: 1 };
  try {
    const places: KeywordPlaces = new WeakMap();
    const model = buildModel(nodes, d, places);
    validateModel(model, d, places, opts);
    return { model: d.errorCount === 0 ? model : null, diagnostics: d.list };
  } catch (e) {
    d.error(at, `internal error while checking the configuration: ${(e as Error)?.message ?? String(e)}`);
    return { model: null, diagnostics: d.list };
  }
}

export function loadConfig(path: string, opts: LoadOptions = {}): LoadResult {
  let parsed: { nodes: ConfNode[]; diagnostics: Diagnostic[] };
  try {
    parsed = parseConfigFile(path, { configId: opts.configId, readFile: opts.readFile });
  } catch (e) {
    return { model: null, diagnostics: [{ severity: 'error', file: path, line: 1, message: `internal error while reading the configuration: ${(e as Error)?.message ?? String(e)}` }] };
  }
  return loadConfigNodes(parsed.nodes, opts, parsed.diagnostics);
}
