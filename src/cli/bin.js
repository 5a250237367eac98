#!/usr/bin/env node
// Entry shim: keepalived-ts runs TypeScript directly on Node 24 (type stripping).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`keepalived-ts needs Node.js 24 or newer (this is ${process.version}); run it through npm/npx in the project, which use the node@24 devDependency`);
  process.exit(2);
}
const { main } = await import('./main.ts');
await main(process.argv.slice(2));
