// Builds the ConfNode tree from the token lines of the reader, as keepalived's process_stream() walks
// its lines (acassen/keepalived lib/parser.c):
//
//   - the words between two braces, or between a brace and the end of a line, make ONE node
//     (keyword = first word, args = the rest); a line `kw a b` is a leaf (children null);
//   - `{` opens a block for the node just before it, also when the `{` starts the next line
//     (keepalived accepts `vrrp_instance VI_1` NEWLINE `{`); `}` closes the innermost block;
//   - the tree is built with an explicit stack, never by recursion, so any nesting is safe.
//
// Recovery, every case reported as an error: a `}` with no open block is ignored (keepalived:
// "Extra '}' found"); a `{` with no keyword before it is ignored but its `}` still matches it, so the
// lines between stay in the enclosing block (keepalived: "Unexpected '{' - ignoring"); blocks still
// open at the end are reported at the line of their `{` (keepalived: "There are N missing '}'s").

import type { ConfNode, Diagnostic } from './ast.ts';
import type { Token } from './lexer.ts';

/** Deeper blocks than this are reported and flattened (no keepalived block nests near this deep). */
export const MAX_BLOCK_DEPTH = 64;

/** Unclosed blocks reported one by one (innermost first); the rest are summed up in one diagnostic. */
export const MAX_UNCLOSED_REPORTED = 20;

interface Frame {
  /** The node whose block this is, or null for an ignored `{`. */
  node: ConfNode | null;
  /** Where new nodes go: the node's children, or the enclosing list for an ignored `{`. */
  children: ConfNode[];
  file: string;
  line: number;
}

export class TreeBuilder {
  readonly nodes: ConfNode[] = [];
  /** Where problems are reported (shared with the reader, so they stay in reading order). */
  readonly diagnostics: Diagnostic[];
  private readonly frames: Frame[] = [];
  /** The node a following `{` would open: the last node, when nothing came after it. */
  private opener: ConfNode | null = null;
  private namedDepth = 0;
  private depthReported = false;

  constructor(diagnostics: Diagnostic[] = []) {
    this.diagnostics = diagnostics;
  }

  private current(): ConfNode[] {
    return this.frames.length > 0 ? this.frames[this.frames.length - 1].children : this.nodes;
  }

  private error(file: string, line: number, message: string): void {
    this.diagnostics.push({ severity: 'error', file, line, message });
  }

  private addNode(words: string[], file: string, line: number): void {
    const node: ConfNode = { keyword: words[0], args: words.slice(1), children: null, file, line };
    this.current().push(node);
    this.opener = node;
  }

  private open(file: string, line: number): void {
    const node = this.opener;
    this.opener = null;
    if (node === null) {
      this.error(file, line, "'{' without a keyword before it - ignoring it");
      this.frames.push({ node: null, children: this.current(), file, line });
      return;
    }
    if (this.namedDepth >= MAX_BLOCK_DEPTH) {
      // Reported once: a run of thousands of `{` should not bury the other diagnostics.
      if (!this.depthReported) this.error(file, line, `blocks nested more than ${MAX_BLOCK_DEPTH} deep - deeper blocks are flattened`);
      this.depthReported = true;
      this.frames.push({ node: null, children: this.current(), file, line });
      return;
    }
    node.children = [];
    this.namedDepth++;
    this.frames.push({ node, children: node.children, file, line });
  }

  private close(file: string, line: number): void {
    this.opener = null;
    const frame = this.frames.pop();
    if (frame === undefined) {
      this.error(file, line, "unmatched '}' - ignoring it");
      return;
    }
    if (frame.node !== null) this.namedDepth--;
  }

  /** Adds the tokens of one logical line written at file:line. */
  addLine(tokens: readonly Token[], file: string, line: number): void {
    let words: string[] = [];
    for (const t of tokens) {
      if (t.kind === 'word') {
        words.push(t.text);
        continue;
      }
      if (words.length > 0) this.addNode(words, file, line);
      words = [];
      if (t.kind === 'open') this.open(file, line);
      else this.close(file, line);
    }
    if (words.length > 0) this.addNode(words, file, line);
  }

  /** Ends the input: reports every block still open, innermost first, at the line of its `{`. */
  finish(): void {
    const shown = Math.max(0, this.frames.length - MAX_UNCLOSED_REPORTED);
    for (let k = this.frames.length - 1; k >= shown; k--) {
      const f = this.frames[k];
      const what = f.node !== null ? `block '${f.node.keyword}'` : "'{'";
      const where = f.node !== null && (f.node.file !== f.file || f.node.line !== f.line) ? ` (its keyword is at ${f.node.file}:${f.node.line})` : '';
      this.diagnostics.push({ severity: 'error', file: f.file, line: f.line, message: `${what} opened here is never closed (missing '}')${where}` });
    }
    if (shown > 0) {
      const outer = this.frames[0];
      this.diagnostics.push({ severity: 'error', file: outer.file, line: outer.line, message: `${shown} more unclosed '{' from here on (missing '}')` });
    }
    this.frames.length = 0;
    this.namedDepth = 0;
    this.opener = null;
  }
}
