// Placeholder until the ipvs command lands.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('keepalived-ts ipvs: not implemented yet\n');
  return 2;
}
