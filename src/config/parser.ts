// The entry points of the config reading layer: text or file in, ConfNode tree with file:line out.
//
// THE PARSER DOES NOT KNOW KEYWORD ARITIES. keepalived lets several keywords share one line inside a
// block, e.g.
//
//     HTTP_GET { url { path / status_code 200 } connect_timeout 1 retry 0 }
//
// Like keepalived's reader (which cuts a line at every brace), this parser makes ONE node per run of
// words between braces (or between a brace and the end of the line). The line above gives:
//
//     HTTP_GET                                        children:
//       url                                           children:
//         path  args ['/', 'status_code', '200']      (leaf)
//       connect_timeout  args ['1', 'retry', '0']     (leaf)
//
// so a leaf's args may hold further keywords: the model builder, which knows each keyword's arity,
// splits such a node into `path /` + `status_code 200` and `connect_timeout 1` + `retry 0`.
//
// Other rules (details in reader.ts, lexer.ts, tree.ts): `kw a b {` (or `kw a b` then `{` on the next
// line) opens a block; `kw a b` is a leaf (children null); includes are inlined where they stand, so
// their nodes carry the included file's absolute path and line; lines made by `$NAME` multi-line values
// and ~SEQ/~LST blocks carry the line that made them. Problems are Diagnostics, never exceptions.

import { resolve } from 'node:path';
import type { ConfNode, Diagnostic } from './ast.ts';
import { makeConfigFs } from './config-fs.ts';
import type { ConfigFs } from './config-fs.ts';
import { defaultConfigId } from './conditional.ts';
import { DEFAULT_MAX_INCLUDE_DEPTH } from './include.ts';
import { DEFAULT_MAX_GENERATED_LINES, Reader } from './reader.ts';
import { TreeBuilder } from './tree.ts';

export interface ParseOptions {
  /** The id `@ID` lines are compared with (keepalived -i); default: host name up to its first dot;
   *  null: no id, so every `@ID` line is dropped and every `@^ID` line kept. */
  configId?: string | null;
  /** Reads a file (for tests and fuzzers); default: the real file system, UTF-8. */
  readFile?: (path: string) => string;
  /** Any other file-system operation to replace (directory listing for globs, file kinds). */
  fs?: Partial<ConfigFs>;
  /** How deep includes may nest (default 32); deeper ones are reported and skipped. */
  maxIncludeDepth?: number;
  /** Bound on the lines ~SEQ/~LST blocks and multi-line parameters may make (default 2,000,000). */
  maxGeneratedLines?: number;
  /** Random source for ${_RANDOM} (default Math.random). */
  random?: () => number;
}

export interface ParseResult {
  nodes: ConfNode[];
  diagnostics: Diagnostic[];
}

export interface FileParseResult extends ParseResult {
  /** Every file read (the root first, then included files in reading order), absolute paths. */
  files: string[];
}

function parseWith(text: string, file: string, canonical: string, opts: ParseOptions, fs: ConfigFs, diagnostics: Diagnostic[]): FileParseResult {
  const tree = new TreeBuilder(diagnostics);
  const reader = new Reader(
    {
      configId: opts.configId === undefined ? defaultConfigId() : opts.configId,
      fs,
      maxIncludeDepth: opts.maxIncludeDepth ?? DEFAULT_MAX_INCLUDE_DEPTH,
      maxGeneratedLines: opts.maxGeneratedLines ?? DEFAULT_MAX_GENERATED_LINES,
      random: opts.random ?? Math.random,
    },
    (tokens, f, line) => tree.addLine(tokens, f, line),
    diagnostics,
  );
  reader.readText(text, file, canonical);
  tree.finish();
  return { nodes: tree.nodes, diagnostics, files: reader.files };
}

/**
 * Parses config text. `file` labels the text's own nodes and diagnostics as given; relative include
 * patterns in it are resolved against the directory of `file` (made absolute from the current one).
 */
export function parseConfigText(text: string, file: string, opts: ParseOptions = {}): ParseResult {
  const fs = makeConfigFs(opts.fs, opts.readFile);
  const r = parseWith(text, file, resolve(file), opts, fs, []);
  return { nodes: r.nodes, diagnostics: r.diagnostics };
}

/** Reads and parses a config file and everything it includes. */
export function parseConfigFile(path: string, opts: ParseOptions = {}): FileParseResult {
  const fs = makeConfigFs(opts.fs, opts.readFile);
  const file = resolve(path);
  const diagnostics: Diagnostic[] = [];
  const kind = fs.kind(file);
  if (kind === 'dir' || kind === 'other') {
    diagnostics.push({ severity: 'error', file, line: 1, message: 'not a regular file' });
    return { nodes: [], diagnostics, files: [] };
  }
  let text: string;
  try {
    text = fs.readFile(file);
  } catch (e) {
    diagnostics.push({ severity: 'error', file, line: 1, message: `cannot read configuration file: ${(e as Error).message ?? String(e)}` });
    return { nodes: [], diagnostics, files: [] };
  }
  if (kind === 'executable') {
    // keepalived's check_conf_file() refuses an executable configuration file.
    diagnostics.push({ severity: 'error', file, line: 1, message: 'configuration file is executable (keepalived refuses it)' });
  }
  let canonical = file;
  try {
    canonical = fs.canonical(file);
  } catch {
    // keep the absolute path
  }
  return parseWith(text, file, canonical, opts, fs, diagnostics);
}
