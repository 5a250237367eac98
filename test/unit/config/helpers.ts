// Test helper: config text -> loadConfigNodes result, through the real parser, with host checks
// off unless asked for; the text is labelled /test/keepalived.conf.
import type { Diagnostic } from '../../../src/config/ast.ts';
import { formatDiagnostic } from '../../../src/config/ast.ts';
import type { LoadOptions, LoadResult } from '../../../src/config/load.ts';
import { loadConfigNodes } from '../../../src/config/load.ts';
import { parseConfigText } from '../../../src/config/parser.ts';

export const FILE = '/test/keepalived.conf';

export function load(text: string, opts: LoadOptions = { hostChecks: false }): LoadResult {
  const parsed = parseConfigText(text, FILE, { configId: null, readFile: () => '' });
  return loadConfigNodes(parsed.nodes, opts, parsed.diagnostics);
}

export function lines(ds: Diagnostic[], severity?: 'error' | 'warning'): string[] {
  return ds.filter((d) => severity === undefined || d.severity === severity).map(formatDiagnostic);
}

/** A minimal valid instance, with `extra` lines inside it. */
export function instance(extra = '', vips = '192.0.2.1/24'): string {
  return `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n${extra}\n  virtual_ipaddress {\n    ${vips}\n  }\n}\n`;
}
