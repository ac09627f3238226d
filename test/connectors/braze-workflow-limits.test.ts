import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBraze, type FakeBraze } from '../fakes/braze';
import { startBrazeDestination, trackedFor } from '../fakes/braze/destination';
import { testDb } from '../helpers/db';
import { ensureProperties, outboxOf, uid } from '../helpers/fixtures';
import { eventually, startTestWorker, type TestWorker } from '../helpers/worker';

const { db } = testDb();
let tw: TestWorker;
const fakes: FakeBraze[] = [];

beforeAll(async () => {
  await ensureProperties(db);
  tw = await startTestWorker(db, { retryBaseMs: 200 });
});
afterAll(async () => {
  await tw?.stop();
  await Promise.all(fakes.map((f) => f.close()));
});

/** Each test scripts its own local API, so no other test's request takes its 429. */
async function start(options: Parameters<typeof startFakeBraze>[0] = {}) {
  const fake = await startFakeBraze(options);
  fakes.push(fake);
  return { fake, braze: await startBrazeDestination(db, tw, fake) };
}

describe('braze destination in the workflow: limits', () => {
  it('waits until X-RateLimit-Reset before resending, without counting an attempt', async () => {
    const { fake, braze } = await start();
    const id = uid('prf');
    fake.rateLimitNext(1, 5);
    await braze.change(id, { email: `${id}@x.io`, name: 'Rae' });

    const done = await braze.settled(id, 1, 30_000);
    expect(done).toMatchObject({ state: 'complete', attempts: 0 });
    const [limited, resent, ...more] = fake.timeline.filter((t) => t.path === '/users/track');
    expect([limited!.status, resent!.status, more]).toEqual([429, 201, []]);
    // The reset is 5 s ahead in whole epoch seconds, so more than 4 s away when answered; the
    // row keeps the time of its retry, and the resend did not come before it.
    const retryAt = done.sendAt!.getTime();
    expect(retryAt - limited!.at).toBeGreaterThanOrEqual(4_000);
    expect(resent!.at).toBeGreaterThanOrEqual(retryAt);
  });

  it('ends a burst of 20 changes with the newest values, one user and one request at a time', async () => {
    // Latency keeps each request open, so two at once for the user would show in the counter.
    const { fake, braze } = await start({ latencyMs: 20 });
    const id = uid('prf');
    const email = `${id}@x.io`;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => braze.change(id, { email, name: `Name ${i + 1}` })),
    );
    // The burst's writes race one another; one more change settles which version is newest.
    await braze.change(id, { email, name: 'Final' });
    await eventually(async () => {
      const outbox = await outboxOf(db, braze.destinationId, [id]);
      return outbox.length === 0 && fake.users.get(email)?.standard.first_name === 'Final';
    }, 30_000);

    expect(fake.users.size).toBe(1);
    expect(fake.peakFor(email)).toBe(1);
    expect(trackedFor(fake, email).at(-1)).toMatchObject({ first_name: 'Final' });
    const states = (await braze.exports(id)).map((e) => e.state);
    expect(states.at(-1)).toBe('complete');
    expect(states).not.toContain('failed');
  }, 60_000);
});
