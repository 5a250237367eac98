// node-cron, loaded the first time a schedule is validated or armed. A static import would load it
// (and the node:crypto and node:child_process it pulls in, ~50 Node builtins) into every daemon,
// though most configurations have no drain_schedule: ~1.2 MB of RSS and start-up time for nothing.
// createRequire keeps the callers synchronous (node-cron ships a CommonJS build).
import { createRequire } from 'node:module';

type NodeCron = typeof import('node-cron').default;
let cron: NodeCron | undefined;

export function nodeCron(): NodeCron {
  return (cron ??= createRequire(import.meta.url)('node-cron') as NodeCron);
}
