// Placeholder until the check-config command lands.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('keepalived-ts check-config: not implemented yet\n');
  return 2;
}
