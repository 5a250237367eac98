// Host side of the VM tier. The host kernel has no IPVS, so this boots Debian's cloud kernel in
// QEMU (TCG) once, runs every guest test file (test/vm/guest/*.guest.ts) in that one boot against
// the real kernel IPVS, streams the guest's console here, and turns each guest test into a
// subtest here. No marker from the guest, a guest crash, a timeout or any failed guest test fails
// this test. When the VM cannot be prepared it FAILS under CI=true and is skipped (with the
// reason) elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles, prepareVm, projectRoot, runVm } from '../../scripts/vm/run.ts';
import { parseTap } from '../../scripts/vm/tap.ts';

const ci = process.env.CI === 'true' || process.env.CI === '1';

test('VM tier: IPVS client, ipvs list and reconcile against a real kernel (one boot)', { timeout: 720_000 }, async (t) => {
  const why = prepareVm();
  if (why) {
    if (ci) assert.fail(`the VM tier is mandatory under CI=true but cannot run: ${why}`);
    t.skip(`VM tier not runnable here: ${why}`);
    return;
  }
  // The guest runs this tree's own native addon (its ELF needs only libc/libstdc++, which the
  // initramfs carries): without it every guest test would fail the same way, so say so once.
  const addon = join(projectRoot, 'src', 'native', 'build', 'Release', 'kats_sockets.node');
  assert.ok(existsSync(addon), `native addon ${addon} is not built (npm install runs node-gyp)`);
  const files = listFiles('test/vm/guest', '.guest.ts');
  assert.ok(files.length > 0, 'no guest test files in test/vm/guest');
  const payload = [
    'export KATS_IN_VM=1',
    `node --test --test-concurrency=1 --test-reporter=tap ${files.join(' ')}`,
  ].join('\n');
  const r = await runVm({
    payload,
    timeoutMs: 540_000,
    onLine: (l) => process.stderr.write(`vm| ${l}\n`),
  });
  t.diagnostic(`VM: /init at ${r.bootMs} ms, modules loaded at ${r.modulesMs} ms, total ${r.durationMs} ms, guest exit ${r.exitCode}`);
  const tail = r.lines.slice(-40).join('\n');
  assert.ok(!r.timedOut, `the VM hit the ${540} s timeout; last lines:\n${tail}`);
  assert.notEqual(r.exitCode, null, `no @@EXIT marker: the guest crashed or panicked; last lines:\n${tail}`);
  const results = parseTap(r.lines);
  assert.ok(results.length > 0, `the guest printed no test results; last lines:\n${tail}`);
  for (const g of results) {
    await t.test(`guest: ${g.name}`, { skip: g.skipped }, () => {
      assert.ok(g.ok, `guest test failed:\n${g.details.join('\n')}`);
    });
  }
  assert.equal(r.exitCode, 0, `guest node --test exited ${r.exitCode}`);
});
