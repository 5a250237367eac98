// Reads the TAP that node's test runner prints in the guest (`--test-reporter=tap`), as it
// arrives line by line over the serial console, into one result per top-level test.

export interface GuestResult {
  name: string;
  ok: boolean;
  skipped: boolean;
  /** The YAML diagnostic block (duration, error, expected/actual, stack). */
  details: string[];
}

/** Top-level results: `ok N - name` / `not ok N - name` at column 0, with their YAML blocks. */
export function parseTap(lines: string[]): GuestResult[] {
  const out: GuestResult[] = [];
  let cur: GuestResult | undefined;
  let inYaml = false;
  for (const line of lines) {
    const m = /^(not )?ok \d+ - (.*?)(\s+# (SKIP|TODO)\b.*)?$/.exec(line);
    if (m) {
      cur = { name: m[2], ok: !m[1], skipped: m[4] === 'SKIP', details: [] };
      out.push(cur);
      inYaml = false;
      continue;
    }
    if (cur && line === '  ---') inYaml = true;
    else if (cur && line === '  ...') {
      inYaml = false;
      cur = undefined;
    } else if (cur && inYaml) cur.details.push(line);
  }
  return out;
}
