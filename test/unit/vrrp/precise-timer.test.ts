// The master-down timer must not fire ahead of adverts already waiting in the socket when the
// event loop was blocked past its deadline (src/vrrp/precise-timer.ts). Real sockets on loopback:
// a datagram is queued, the loop is blocked beyond the due time, and the datagram's handler
// cancels the timer, as an advert resets the master-down timer. Both ways of waiting out the last
// milliseconds are checked: the kernel deadline and the busy-wait fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { preciseTimer } from '../../../src/vrrp/precise-timer.ts';
import { systemClock } from '../../../src/lib/clock.ts';

function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: nothing else runs
  }
}

async function pair(): Promise<{ rx: Socket; tx: Socket; port: number }> {
  const rx = createSocket('udp4');
  const tx = createSocket('udp4');
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
  return { rx, tx, port: rx.address().port };
}

/** Arms a timer due in 5 ms, queues a datagram, blocks the loop 60 ms; reports who came first. */
async function race(arm: (fire: () => void) => { cancel(): void }): Promise<string[]> {
  const { rx, tx, port } = await pair();
  const order: string[] = [];
  try {
    const t = arm(() => order.push('timer'));
    rx.on('message', () => {
      order.push('advert');
      t.cancel();
    });
    await new Promise<void>((r) => tx.send(Buffer.from('advert'), port, '127.0.0.1', () => r()));
    block(60);
    await new Promise((r) => setTimeout(r, 40));
    return order;
  } finally {
    rx.close();
    tx.close();
  }
}

test('a naive timer fires before a queued advert after a blocked loop (the hazard is real here)', async () => {
  const order = await race((fire) => {
    const h = setTimeout(fire, 5);
    return { cancel: () => clearTimeout(h) };
  });
  assert.equal(order[0], 'timer');
});

for (const [path, kernel] of [['kernel deadline (timerfd)', true], ['busy-wait fallback', false]] as const) {
  test(`${path}: the master-down timer lets queued adverts in first, so a reset cancels it`, async () => {
    const order = await race((fire) => preciseTimer(systemClock, systemClock.now() + 5, fire, undefined, kernel));
    assert.deepEqual(order, ['advert']);
  });

  test(`${path}: with nothing queued the timer still fires after the block`, async () => {
    let fired = 0;
    preciseTimer(systemClock, systemClock.now() + 5, () => fired++, undefined, kernel);
    block(30);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(fired, 1);
  });

  test(`${path}: never fires before the due time; prepare runs first, once; cancel in the lead stops it`, async () => {
    const events: string[] = [];
    const due = systemClock.now() + 12;
    let firedAt = 0;
    preciseTimer(systemClock, due, () => ((firedAt = systemClock.now()), events.push('fire')), () => events.push('prepare'), kernel);
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(events, ['prepare', 'fire']);
    assert.ok(firedAt >= due, `fired ${(due - firedAt).toFixed(3)} ms early`);

    let fired = 0;
    const t = preciseTimer(systemClock, systemClock.now() + 8, () => fired++, () => t.cancel(), kernel);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(fired, 0);
  });
}
