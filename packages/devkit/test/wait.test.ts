// waitUntil: resolves when the probe is true, treats a throwing probe as "not yet", says what it
// waited for on timeout, and gives up at once when abort names a reason.
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../src/index.js';

describe('waitUntil', () => {
  it('resolves once the probe turns true, a throwing probe counting as not yet', async () => {
    let calls = 0;
    await waitUntil(
      () => {
        calls++;
        if (calls < 3) throw new Error('not up');
        return calls >= 5;
      },
      10_000,
      () => 'five calls',
      5,
    );
    expect(calls).toBe(5);
  });

  it('times out with the description', async () => {
    await expect(
      waitUntil(
        () => false,
        100,
        () => 'the impossible',
      ),
    ).rejects.toThrow('timed out after 100 ms waiting for the impossible');
  });

  it('ends at once when abort gives a reason, before the timeout', async () => {
    let probes = 0;
    let checks = 0;
    const started = Date.now();
    await expect(
      waitUntil(
        () => {
          probes++;
          return false;
        },
        60_000,
        () => 'the server',
        { intervalMs: 10, abort: () => (++checks > 3 ? 'it exited (code 1)' : null) },
      ),
    ).rejects.toThrow('the server: it exited (code 1)');
    expect(probes).toBe(3);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
