// Collects errors and warnings, each tied to the FILE:LINE of the keyword that caused it.
import type { Diagnostic } from './ast.ts';

export interface Place {
  file: string;
  line: number;
}

export class Diagnostics {
  readonly list: Diagnostic[] = [];

  error(at: Place, message: string): void {
    this.list.push({ severity: 'error', file: at.file, line: at.line, message });
  }

  warn(at: Place, message: string): void {
    this.list.push({ severity: 'warning', file: at.file, line: at.line, message });
  }

  get errorCount(): number {
    return this.list.filter((d) => d.severity === 'error').length;
  }
}
