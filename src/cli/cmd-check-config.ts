// `keepalived-ts check-config FILE [--json] [--no-host-checks]` (and keepalived's `-t -f FILE`):
// exit 0 when the configuration is usable (warnings may be printed), 1 when it has errors.
// Every error and warning is one `FILE:LINE: message` line on stderr; --json prints the
// normalised model on stdout.
import { formatDiagnostic } from '../config/ast.ts';
import { modelToJson } from '../config/json.ts';
import { loadConfig } from '../config/load.ts';

const usage = 'usage: keepalived-ts check-config FILE [--json] [--no-host-checks] [-i CONFIG_ID]\n';

export async function run(argv: string[]): Promise<number> {
  let file: string | undefined;
  let json = false;
  let hostChecks = true;
  let configId: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--no-host-checks') hostChecks = false;
    else if (a === '-i' || a === '--config-id') configId = argv[++i];
    else if (a === '-h' || a === '--help') {
      process.stdout.write(usage);
      return 0;
    } else if (a.startsWith('-') || file !== undefined) {
      process.stderr.write(`check-config: unexpected argument '${a}'\n${usage}`);
      return 2;
    } else file = a;
  }
  if (file === undefined) {
    process.stderr.write(usage);
    return 2;
  }
  const { model, diagnostics } = loadConfig(file, { hostChecks, configId });
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
  if (model && json) process.stdout.write(JSON.stringify(modelToJson(model), null, 2) + '\n');
  return model ? 0 : 1;
}
