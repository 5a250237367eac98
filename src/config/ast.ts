// The syntax tree of a keepalived.conf after lexing, include expansion, parameter substitution
// and conditional (@ID) filtering. Every node keeps the file and line it came from so that every
// later error can name `FILE:LINE`.

/** One keyword line, optionally opening a block: `keyword arg1 arg2 { ...children }`. */
export interface ConfNode {
  /** The first word of the line, exactly as written (keepalived keywords are case-sensitive). */
  keyword: string;
  /** The remaining words, quotes removed and escapes resolved. */
  args: string[];
  /** Children when the line opened a block (`{`), otherwise null. */
  children: ConfNode[] | null;
  /** Absolute path of the file the keyword was written in. */
  file: string;
  /** 1-based line number of the keyword in that file. */
  line: number;
}

/** A problem found while reading or checking a config, always tied to a place. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  file: string;
  line: number;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}
