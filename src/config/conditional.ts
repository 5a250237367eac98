// Conditional lines (keepalived.conf(5) "Conditional configuration and configuration id";
// acassen/keepalived lib/parser.c read_line()):
//
//   @ID rest-of-line     kept (as `rest-of-line`) only when ID equals the config id
//   @^ID rest-of-line    kept only when ID differs from the config id
//
// ID is the word glued to `@`; a line with nothing after the ID is dropped either way. Without a
// config id every `@ID` line is dropped and every `@^ID` line kept.

import { hostname } from 'node:os';

/** keepalived's default config id: the host name up to its first dot. */
export function defaultConfigId(): string {
  const name = hostname();
  const dot = name.indexOf('.');
  return dot === -1 ? name : name.slice(0, dot);
}

/**
 * Applies the `@ID` / `@^ID` prefix of a decommented line: returns the line without the prefix when
 * it is kept, null when it is dropped, and the line itself when it has no prefix.
 */
export function applyConditional(text: string, configId: string | null): string | null {
  if (text.charCodeAt(0) !== 64) return text;
  const negated = text.charCodeAt(1) === 94;
  const idStart = negated ? 2 : 1;
  let idEnd = idStart;
  while (idEnd < text.length && text[idEnd] !== ' ' && text[idEnd] !== '\t') idEnd++;
  if (idEnd >= text.length) return null;
  const matches = configId !== null && text.slice(idStart, idEnd) === configId;
  if (matches === negated) return null;
  let rest = idEnd;
  while (rest < text.length && (text[rest] === ' ' || text[rest] === '\t')) rest++;
  return text.slice(rest);
}
