// The file-system operations the config reader needs, behind one small interface so that tests and
// fuzzers can serve files from memory. Every method may throw; the reader turns failures into
// diagnostics.

import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/** What a path is, as far as including it is concerned. */
export type PathKind = 'file' | 'executable' | 'dir' | 'other' | 'missing';

export interface ConfigFs {
  /** The whole file as UTF-8 text. */
  readFile(path: string): string;
  /** The entry names of a directory (any order). */
  readDir(dir: string): string[];
  /** What `path` is (following symbolic links). */
  kind(path: string): PathKind;
  /** A canonical name for `path`, so that include loops through symbolic links are found. */
  canonical(path: string): string;
}

function realKind(path: string): PathKind {
  try {
    const st = statSync(path);
    if (st.isDirectory()) return 'dir';
    if (!st.isFile()) return 'other';
    // keepalived's read_conf_file() skips executable files (S_IXUSR | S_IXGRP | S_IXOTH).
    return (st.mode & 0o111) !== 0 ? 'executable' : 'file';
  } catch {
    return 'missing';
  }
}

function realCanonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** The real file system. */
export const nodeConfigFs: ConfigFs = {
  readFile: (path) => readFileSync(path, 'utf8'),
  readDir: (dir) => readdirSync(dir),
  kind: realKind,
  canonical: realCanonical,
};

/**
 * Builds the file system for a parse: the real one, with `readFile` (and any other method) replaced
 * by the caller's. With only `readFile` given, a path is a file when `readFile` succeeds on it.
 */
export function makeConfigFs(overrides: Partial<ConfigFs> | undefined, readFile: ((path: string) => string) | undefined): ConfigFs {
  const fs: ConfigFs = { ...nodeConfigFs, ...overrides };
  if (readFile !== undefined) {
    fs.readFile = readFile;
    if (overrides?.kind === undefined) {
      fs.kind = (path) => {
        try {
          readFile(path);
          return 'file';
        } catch {
          return realKind(path);
        }
      };
    }
    if (overrides?.canonical === undefined) fs.canonical = (path) => resolve(path);
  }
  // Callers rely on kind() and canonical() answering; an injected one that throws means "missing".
  const kind = fs.kind;
  const canonical = fs.canonical;
  fs.kind = (path) => {
    try {
      return kind(path);
    } catch {
      return 'missing';
    }
  };
  fs.canonical = (path) => {
    try {
      return canonical(path);
    } catch {
      return resolve(path);
    }
  };
  return fs;
}
