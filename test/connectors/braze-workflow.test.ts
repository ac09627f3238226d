import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBraze, type FakeBraze } from '../fakes/braze';
import { startBrazeDestination, trackedFor } from '../fakes/braze/destination';
import { testDb } from '../helpers/db';
import { ensureProperties, uid, upsertProfile, values } from '../helpers/fixtures';
import { startTestWorker, type TestWorker } from '../helpers/worker';

const { db } = testDb();
let tw: TestWorker;
let fake: FakeBraze;

beforeAll(async () => {
  await ensureProperties(db);
  fake = await startFakeBraze();
  tw = await startTestWorker(db, { retryBaseMs: 200 });
});
afterAll(async () => {
  await tw?.stop();
  await fake?.close();
});

describe('braze destination in the workflow', () => {
  it('retries a failed profile on a later pass with no change and skips the ones that succeeded', async () => {
    const braze = await startBrazeDestination(db, tw, fake);
    const [good, bad] = [uid('prf'), uid('prf')];
    const [goodId, badId] = [`${good}@x.io`, `${bad}@x.io`];
    await upsertProfile(db, good, values({ email: goodId, name: 'Gia' }));
    await upsertProfile(db, bad, values({ email: badId, name: 'Bea' }));
    fake.refusals.set(badId, 'User is blocked');

    await braze.pass([good, bad]);
    expect(await braze.settled(good, 1)).toMatchObject({ state: 'complete' });
    expect(await braze.settled(bad, 1)).toMatchObject({
      state: 'failed',
      errorMessage: expect.stringContaining('User is blocked'),
    });
    expect(fake.users.has(badId)).toBe(false);

    fake.refusals.delete(badId);
    const sentBefore = fake.requests.length;
    await braze.pass([good, bad]);
    const retried = await braze.settled(bad, 2);
    const skipped = await braze.settled(good, 2);

    expect(retried).toMatchObject({ state: 'complete', hasChanges: true, oldProperties: {} });
    expect(skipped).toMatchObject({ state: 'complete', hasChanges: false });
    expect(fake.users.get(badId)!.standard).toEqual({ email: badId, first_name: 'Bea' });
    const tracked = fake.requests
      .slice(sentBefore)
      .flatMap((r) => (r.body.attributes as { external_id: string }[] | undefined) ?? []);
    expect(tracked.map((a) => a.external_id)).toEqual([badId]);
  });

  it('fails a profile whose email Braze refuses after one attempt and completes the rest', async () => {
    const braze = await startBrazeDestination(db, tw, fake);
    const [good, bad] = [uid('prf'), uid('prf')];
    // Outflow accepts this address; Braze allows a period only between other characters.
    const [goodEmail, badEmail] = [`${good}@x.io`, `ada..${bad}@x.io`];
    await upsertProfile(db, good, values({ email: goodEmail, name: 'Gia' }));
    await upsertProfile(db, bad, values({ email: badEmail, name: 'Ada' }));

    await braze.pass([good, bad]);
    expect(await braze.settled(bad, 1)).toMatchObject({
      state: 'failed',
      attempts: 1,
      errorLevel: 'error',
      errorMessage: expect.stringContaining('Invalid email address'),
    });
    expect(await braze.settled(good, 1)).toMatchObject({ state: 'complete', attempts: 0 });
    expect(fake.users.get(goodEmail)!.standard).toEqual({ email: goodEmail, first_name: 'Gia' });
    expect(fake.users.has(badEmail)).toBe(false);
    // Permanent: the engine does not send it again on its own.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(trackedFor(fake, badEmail)).toHaveLength(1);
    expect(await braze.exports(bad)).toHaveLength(1);
  });

  it('sends two changes of one profile in one batch as one object with the newest values', async () => {
    const braze = await startBrazeDestination(db, tw, fake);
    const id = uid('prf');
    const email = `${id}@x.io`;
    // Both changes are committed before the workflow hears of either.
    await upsertProfile(db, id, values({ email, name: 'First' }));
    await upsertProfile(db, id, values({ email, name: 'Second' }));
    await Promise.all([braze.pass([id]), braze.pass([id])]);

    expect(await braze.settled(id, 1)).toMatchObject({
      state: 'complete',
      newProperties: expect.objectContaining({ first_name: 'Second' }),
    });
    expect(trackedFor(fake, email)).toEqual([{ external_id: email, email, first_name: 'Second' }]);
    expect(fake.users.get(email)!.standard.first_name).toBe('Second');
  });
});
