// Placeholder until the genhash command lands.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('keepalived-ts genhash: not implemented yet\n');
  return 2;
}
