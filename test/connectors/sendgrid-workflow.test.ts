import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid';
import { sendgridDestination as destination } from '../fakes/sendgrid/destination';
import { testDb } from '../helpers/db';
import {
  createGroup,
  deleteProfile,
  ensureProperties,
  exportsOf,
  outboxOf,
  uid,
  upsertProfile,
  values,
} from '../helpers/fixtures';
import { eventually, startTestWorker, type TestWorker } from '../helpers/worker';

/**
 * Issue 5, behaviours 8 and 9 through the engine: SendGrid's jobs are polled with durable
 * timers, and changes right after a contact's creation end correct although search shows
 * the contact only a while after its job (as SendGrid's does).
 */

const { db } = testDb();
let tw: TestWorker;
let fake: FakeSendgrid;

beforeAll(async () => {
  await ensureProperties(db);
  // Jobs take long enough that the workflow must poll them several times; search lags behind.
  fake = await startFakeSendgrid({ jobDelayMs: 1500, searchLagMs: 1000 });
  tw = await startTestWorker(db, { retryBaseMs: 200 });
});
afterAll(async () => {
  await tw?.stop();
  await fake?.close();
});

const patient = { app: { searchWaitMs: 30_000 } };

const lastExport = async (destinationId: string, profileId: string) =>
  (await exportsOf(db, destinationId, profileId)).at(-1);

describe('sendgrid destination in the workflow', () => {
  it('keeps exports processing until the job reports, then completes them or fails the errored record', async () => {
    const d = await destination(db, tw, fake, patient);
    const [good, bad] = [uid('prf'), uid('prf')];
    const [goodEmail, badEmail] = [`${good}@x.io`, `${bad}@x.io`];
    await upsertProfile(db, good, values({ email: goodEmail, name: 'Gia' }));
    await upsertProfile(db, bad, values({ email: badEmail, name: 'Bea' }));
    fake.refusals.set(badEmail, 'invalid email domain');

    await d.pass([good, bad]);
    const waiting = await eventually(async () => {
      const row = await lastExport(d.destinationId, good);
      return row?.state === 'processing' && row.remoteJobId ? row : null;
    });
    expect(fake.contacts.has(goodEmail)).toBe(false);
    expect(await outboxOf(db, d.destinationId, [good])).toHaveLength(1);

    const [done] = await d.settled(good, 1);
    expect(done).toMatchObject({ id: waiting.id, state: 'complete', remoteJobId: null });
    expect((await d.settled(bad, 1))[0]).toMatchObject({
      state: 'failed',
      errorMessage: expect.stringContaining('invalid email domain'),
    });
    expect(fake.contactByEmail(goodEmail)?.fields).toEqual({ first_name: 'Gia' });
    expect(fake.contactByEmail(badEmail)).toBeUndefined();
    expect(await outboxOf(db, d.destinationId, [good, bad])).toHaveLength(0);
  });

  it('ends with one contact under the new email when the email changes while the creating job runs', async () => {
    const d = await destination(db, tw, fake, patient);
    const id = uid('prf');
    const [a, b] = [`${id}-a@x.io`, `${id}-b@x.io`];
    await d.change(id, values({ email: a, name: 'Mo' }));
    await eventually(async () => (await lastExport(d.destinationId, id))?.remoteJobId);

    await d.change(id, values({ email: b, name: 'Mo' }));
    const [first, last] = await d.settled(id, 2);
    expect(first).toMatchObject({ state: 'complete', newProperties: { email: a } });
    expect(last).toMatchObject({
      state: 'complete',
      oldProperties: { email: a, first_name: 'Mo' },
      newProperties: { email: b, first_name: 'Mo' },
    });
    expect(fake.contactByEmail(a)).toBeUndefined();
    expect(fake.contactByEmail(b)?.fields).toEqual({ first_name: 'Mo' });
  });

  it('takes a contact off a list it left right after its creation, although search shows it late', async () => {
    const [g1, g2] = [await createGroup(db, 'One'), await createGroup(db, 'Two')];
    const d = await destination(db, tw, fake, {
      ...patient,
      groupMapping: { [g1]: 'List One', [g2]: 'List Two' },
    });
    const id = uid('prf');
    const email = `${id}@x.io`;
    await d.change(id, values({ email, name: 'Lu' }), [g1, g2]);
    await eventually(async () => (await lastExport(d.destinationId, id))?.remoteJobId);

    await d.change(id, values({ email, name: 'Lu' }), [g1]);
    const rows = await d.settled(id, 2);
    expect(rows.map((r) => r.state)).toEqual(['complete', 'complete']);
    expect(fake.listNamesOf(email)).toEqual(['List One']);
  });

  it('deletes a contact whose profile is deleted right after its creation, instead of leaving it', async () => {
    const d = await destination(db, tw, fake, patient);
    const id = uid('prf');
    const email = `${id}@x.io`;
    await d.change(id, values({ email, name: 'Di' }));
    await eventually(async () => (await lastExport(d.destinationId, id))?.remoteJobId);

    await deleteProfile(db, id);
    await d.pass([id]);
    const [, removed] = await d.settled(id, 2);
    expect(removed).toMatchObject({ state: 'complete', toDelete: true });
    expect(fake.contactByEmail(email)).toBeUndefined();
  });

  it('ends a burst of 20 changes with the newest values, one contact and one request at a time for it', async () => {
    const d = await destination(db, tw, fake, patient);
    const id = uid('prf');
    const email = `${id}@x.io`;
    const before = fake.contacts.size;
    for (let i = 1; i <= 20; i++) await d.change(id, values({ email, name: `Name ${i}` }));

    await d.drained([id], 60_000);
    expect(fake.contactByEmail(email)?.fields).toEqual({ first_name: 'Name 20' });
    expect(fake.contacts.size).toBe(before + 1);
    expect(fake.peakInFlightFor(email)).toBe(1);
    const states = (await exportsOf(db, d.destinationId, id)).map((e) => e.state);
    expect(states.at(-1)).toBe('complete');
    expect(states).not.toContain('failed');
  }, 90_000);
});
