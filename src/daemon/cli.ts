// Placeholder until the daemon lands.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('keepalived-ts: the daemon is not implemented yet\n');
  return 2;
}
