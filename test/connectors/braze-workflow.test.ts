import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apps, destinations } from '../../db/schema';
import { profilesChangedSignal } from '../../workflows/definitions';
import { startFakeBraze, type FakeBraze } from '../fakes/braze';
import { testDb } from '../helpers/db';
import {
  createDestination,
  ensureProperties,
  exportsOf,
  keys,
  queue,
  uid,
  upsertProfile,
  values,
} from '../helpers/fixtures';
import {
  eventually,
  startDestinationWorkflow,
  startTestWorker,
  type TestWorker,
} from '../helpers/worker';

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

/** A real `braze` destination aimed at the local API, its workflow running. */
async function brazeDestination(): Promise<string> {
  const destinationId = await createDestination(db, {
    type: 'braze',
    mapping: { external_id: keys.email, first_name: keys.name },
  });
  const [row] = await db.select().from(destinations).where(eq(destinations.id, destinationId));
  const options = { apiKey: fake.apiKey, restEndpoint: fake.restEndpoint, timeoutMs: 5_000 };
  await db.update(apps).set({ options }).where(eq(apps.id, row!.appId));
  await startDestinationWorkflow(tw, destinationId);
  return destinationId;
}

async function pass(destinationId: string, profileIds: string[]) {
  await queue(db, destinationId, profileIds);
  const handle = tw.client.workflow.getHandle(`destination:${destinationId}`);
  await handle.signal(profilesChangedSignal, { profileIds });
}

const settled = (destinationId: string, profileId: string, count: number) =>
  eventually(async () => {
    const rows = await exportsOf(db, destinationId, profileId);
    const last = rows.at(-1);
    return rows.length === count && last && ['complete', 'failed'].includes(last.state)
      ? last
      : null;
  });

describe('braze destination in the workflow', () => {
  it('retries a failed profile on a later pass with no change and skips the ones that succeeded', async () => {
    const destinationId = await brazeDestination();
    const [good, bad] = [uid('prf'), uid('prf')];
    const [goodId, badId] = [`${good}@x.io`, `${bad}@x.io`];
    await upsertProfile(db, good, values({ email: goodId, name: 'Gia' }));
    await upsertProfile(db, bad, values({ email: badId, name: 'Bea' }));
    fake.refusals.set(badId, 'User is blocked');

    await pass(destinationId, [good, bad]);
    expect(await settled(destinationId, good, 1)).toMatchObject({ state: 'complete' });
    expect(await settled(destinationId, bad, 1)).toMatchObject({
      state: 'failed',
      errorMessage: expect.stringContaining('User is blocked'),
    });
    expect(fake.users.has(badId)).toBe(false);

    fake.refusals.delete(badId);
    const sentBefore = fake.requests.length;
    await pass(destinationId, [good, bad]);
    const retried = await settled(destinationId, bad, 2);
    const skipped = await settled(destinationId, good, 2);

    expect(retried).toMatchObject({ state: 'complete', hasChanges: true, oldProperties: {} });
    expect(skipped).toMatchObject({ state: 'complete', hasChanges: false });
    expect(fake.users.get(badId)!.standard).toEqual({ first_name: 'Bea' });
    const tracked = fake.requests
      .slice(sentBefore)
      .flatMap((r) => (r.body.attributes as { external_id: string }[] | undefined) ?? []);
    expect(tracked.map((a) => a.external_id)).toEqual([badId]);
  });
});
