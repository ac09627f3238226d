import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apps, destinations } from '../../db/schema';
import { profilesChangedSignal } from '../../workflows/definitions';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid';
import { testDb } from '../helpers/db';
import {
  createDestination,
  ensureProperties,
  exportsOf,
  keys,
  outboxOf,
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
let fake: FakeSendgrid;

beforeAll(async () => {
  await ensureProperties(db);
  // Jobs take long enough that the workflow must poll them several times.
  fake = await startFakeSendgrid({ jobDelayMs: 1500 });
  tw = await startTestWorker(db, { retryBaseMs: 200 });
});
afterAll(async () => {
  await tw?.stop();
  await fake?.close();
});

/** A real `sendgrid` destination aimed at the local API, its workflow running. */
async function sendgridDestination(): Promise<string> {
  const destinationId = await createDestination(db, {
    type: 'sendgrid',
    mapping: { email: keys.email, first_name: keys.name },
  });
  const [row] = await db.select().from(destinations).where(eq(destinations.id, destinationId));
  const options = { apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000, jobPollMs: 200 };
  await db.update(apps).set({ options }).where(eq(apps.id, row!.appId));
  await startDestinationWorkflow(tw, destinationId);
  return destinationId;
}

async function pass(destinationId: string, profileIds: string[]) {
  await queue(db, destinationId, profileIds);
  const handle = tw.client.workflow.getHandle(`destination:${destinationId}`);
  await handle.signal(profilesChangedSignal, { profileIds });
}

const lastExport = async (destinationId: string, profileId: string) =>
  (await exportsOf(db, destinationId, profileId)).at(-1);

const settled = (destinationId: string, profileId: string, count: number) =>
  eventually(async () => {
    const rows = await exportsOf(db, destinationId, profileId);
    const last = rows.at(-1);
    return rows.length === count && last && ['complete', 'failed'].includes(last.state)
      ? last
      : null;
  });

describe('sendgrid destination in the workflow', () => {
  it('keeps exports processing until the job reports, then completes them or fails the errored record', async () => {
    const destinationId = await sendgridDestination();
    const [good, bad] = [uid('prf'), uid('prf')];
    const [goodEmail, badEmail] = [`${good}@x.io`, `${bad}@x.io`];
    await upsertProfile(db, good, values({ email: goodEmail, name: 'Gia' }));
    await upsertProfile(db, bad, values({ email: badEmail, name: 'Bea' }));
    fake.refusals.set(badEmail, 'invalid email domain');

    await pass(destinationId, [good, bad]);
    const waiting = await eventually(async () => {
      const row = await lastExport(destinationId, good);
      return row?.state === 'processing' && row.remoteJobId ? row : null;
    });
    expect(fake.contacts.has(goodEmail)).toBe(false);
    expect(await outboxOf(db, destinationId, [good])).toHaveLength(1);

    const done = await settled(destinationId, good, 1);
    expect(done).toMatchObject({ id: waiting.id, state: 'complete', remoteJobId: null });
    expect(await settled(destinationId, bad, 1)).toMatchObject({
      state: 'failed',
      errorMessage: expect.stringContaining('invalid email domain'),
    });
    expect(fake.contactByEmail(goodEmail)?.fields).toEqual({ first_name: 'Gia' });
    expect(fake.contactByEmail(badEmail)).toBeUndefined();
    expect(await outboxOf(db, destinationId, [good, bad])).toHaveLength(0);
  });

  it('ends with one contact under the new email when the email changes while the creating job runs', async () => {
    const destinationId = await sendgridDestination();
    const id = uid('prf');
    const [a, b] = [`${id}-a@x.io`, `${id}-b@x.io`];
    await upsertProfile(db, id, values({ email: a, name: 'Mo' }));
    await pass(destinationId, [id]);
    await eventually(async () => (await lastExport(destinationId, id))?.remoteJobId);

    await upsertProfile(db, id, values({ email: b, name: 'Mo' }));
    await pass(destinationId, [id]);

    const last = await settled(destinationId, id, 2);
    expect(last).toMatchObject({
      state: 'complete',
      oldProperties: { email: a, first_name: 'Mo' },
      newProperties: { email: b, first_name: 'Mo' },
    });
    const [first] = await exportsOf(db, destinationId, id);
    expect(first).toMatchObject({ state: 'complete', newProperties: { email: a } });
    await eventually(async () => fake.contactByEmail(a) === undefined);
    expect(fake.contactByEmail(b)?.fields).toEqual({ first_name: 'Mo' });
  });
});
