import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid';
import { sendgridDestination } from '../fakes/sendgrid/destination';
import { requestsConcerning } from '../fakes/sendgrid/fixtures';
import { testDb } from '../helpers/db';
import {
  createGroup,
  ensureProperties,
  queue,
  uid,
  upsertProfile,
  values,
} from '../helpers/fixtures';
import { startTestWorker, type TestWorker } from '../helpers/worker';

/**
 * Issue 5, behaviours 2, 3, 5, 6 and 7 through the engine against the local SendGrid API.
 */

const { db } = testDb();
let tw: TestWorker;
let fake: FakeSendgrid;

beforeAll(async () => {
  await ensureProperties(db);
  fake = await startFakeSendgrid({ jobDelayMs: 300 });
  tw = await startTestWorker(db, { retryBaseMs: 200 });
});
afterAll(async () => {
  await tw?.stop();
  await fake?.close();
});

const puts = (sg: FakeSendgrid, email: string) =>
  requestsConcerning(sg, email).filter((r) => r.method === 'PUT');

describe('sendgrid destination: refusals and subscriptions', () => {
  it('leaves a globally unsubscribed address unsubscribed through creation and updates', async () => {
    const d = await sendgridDestination(db, tw, fake);
    const id = uid('prf');
    const email = `${id}@x.io`;
    fake.suppressions.add(email);

    await d.change(id, values({ email, name: 'Una' }));
    await d.settled(id, 1);
    await d.change(id, values({ email, name: 'Una Later' }));
    const [, updated] = await d.settled(id, 2);
    expect(updated).toMatchObject({ state: 'complete' });
    expect(fake.contactByEmail(email)?.fields).toEqual({ first_name: 'Una Later' });
    expect(fake.suppressions.has(email)).toBe(true);
    expect(fake.requests.filter((r) => r.path.startsWith('/v3/asm'))).toEqual([]);
  });

  it('fails a malformed or refused email after one attempt and completes the rest of the batch', async () => {
    const d = await sendgridDestination(db, tw, fake);
    const ids = [uid('ok'), uid('ok'), uid('bad'), uid('refused')];
    const emails = [`${ids[0]}@x.io`, `${ids[1]}@x.io`, 'not-an-email', `${ids[3]}@x.io`];
    fake.refusals.set(emails[3]!, 'invalid email domain');
    for (const [i, id] of ids.entries()) {
      await upsertProfile(db, id, values({ email: emails[i], name: `P${i}` }));
    }
    await d.pass(ids);

    const finals = await Promise.all(ids.map(async (id) => (await d.settled(id, 1))[0]!));
    expect(finals.map((e) => e.state)).toEqual(['complete', 'complete', 'failed', 'failed']);
    expect(finals[2]).toMatchObject({
      attempts: 1,
      errorLevel: 'error',
      retryable: false,
      errorMessage: expect.stringContaining("email 'not-an-email' is not valid"),
    });
    expect(finals[3]).toMatchObject({
      attempts: 1,
      errorLevel: 'error',
      retryable: false,
      errorMessage: expect.stringContaining('invalid email domain'),
    });
    // The request naming the malformed address was refused whole; the rest went again without it.
    expect(puts(fake, emails[2]!).map((r) => r.status)).toEqual([400]);
    expect(puts(fake, emails[3]!).map((r) => r.status)).toEqual([400, 202]);
    expect(fake.contactByEmail(emails[0]!)).toBeDefined();
    expect(fake.contactByEmail(emails[1]!)).toBeDefined();
  });
});

describe('sendgrid destination: additive mode', () => {
  it('keeps a contact that leaves the collection, taking only our list off it, and restores it on return', async () => {
    const group = await createGroup(db, 'Members');
    const d = await sendgridDestination(db, tw, fake, {
      syncMode: 'additive',
      collection: 'group',
      groupId: group,
      groupMapping: { [group]: 'Members' },
    });
    const id = uid('prf');
    const email = `${id}@x.io`;
    await d.change(id, values({ email, name: 'Al' }), [group]);
    await d.settled(id, 1);
    fake.addToList(email, 'Theirs');

    await d.change(id, values({ email, name: 'Al' }), []);
    const [, left] = await d.settled(id, 2);
    expect(left).toMatchObject({ state: 'complete', toDelete: false, newGroups: [] });
    expect(fake.contactByEmail(email)?.fields).toEqual({ first_name: 'Al' });
    expect(fake.listNamesOf(email)).toEqual(['Theirs']);

    await d.change(id, values({ email, name: 'Al' }), [group]);
    await d.settled(id, 3);
    expect(fake.listNamesOf(email)).toEqual(['Members', 'Theirs']);
  });
});

describe('sendgrid destination: batches and retries', () => {
  it('sends one contact with the newest values for two changes of a profile in one batch', async () => {
    const d = await sendgridDestination(db, tw, fake);
    const id = uid('prf');
    const email = `${id}@x.io`;
    await upsertProfile(db, id, values({ email, name: 'First' }));
    await queue(db, d.destinationId, [id]);
    await upsertProfile(db, id, values({ email, name: 'Second' }));
    await d.pass([id]);

    const rows = await d.settled(id, 1);
    expect(rows).toMatchObject([{ state: 'complete', newProperties: { first_name: 'Second' } }]);
    const sent = puts(fake, email);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({ contacts: [{ email, first_name: 'Second' }] });
  });

  it('retries a failed profile on a later pass with no data change, and skips the ones that succeeded', async () => {
    const d = await sendgridDestination(db, tw, fake);
    const [ok, bad] = [uid('ok'), uid('bad')];
    const [okEmail, badEmail] = [`${ok}@x.io`, `${bad}@x.io`];
    fake.refusals.set(badEmail, 'temporarily refused');
    await upsertProfile(db, ok, values({ email: okEmail, name: 'Ok' }));
    await upsertProfile(db, bad, values({ email: badEmail, name: 'Bad' }));
    await d.pass([ok, bad]);
    expect((await d.settled(bad, 1))[0]).toMatchObject({ state: 'failed' });
    await d.settled(ok, 1);

    fake.refusals.delete(badEmail);
    await d.pass([ok, bad]);
    const [, retried] = await d.settled(bad, 2);
    const [, skipped] = await d.settled(ok, 2);
    expect(retried).toMatchObject({ state: 'complete', hasChanges: true });
    expect(skipped).toMatchObject({ state: 'complete', hasChanges: false });
    expect(fake.contactByEmail(badEmail)?.fields).toEqual({ first_name: 'Bad' });
    expect(puts(fake, okEmail)).toHaveLength(1);
    expect(puts(fake, badEmail)).toHaveLength(2);
  });
});

describe('sendgrid destination: rate limits', () => {
  it('waits out a 429 of its own rate window until the reset SendGrid gave, without using attempts', async () => {
    // One request per endpoint every 4 s: creating two lists in one batch is one too many.
    const sg = await startFakeSendgrid({
      jobDelayMs: 300,
      rateLimit: { limit: 1, windowMs: 4_000 },
    });
    try {
      const [g1, g2] = [await createGroup(db, 'One'), await createGroup(db, 'Two')];
      const d = await sendgridDestination(db, tw, sg, {
        groupMapping: { [g1]: 'List One', [g2]: 'List Two' },
      });
      const id = uid('prf');
      const email = `${id}@x.io`;
      await d.change(id, values({ email, name: 'Rae' }), [g1, g2]);

      const [done] = await d.settled(id, 1, 60_000);
      expect(done).toMatchObject({ state: 'complete', attempts: 0 });
      expect(sg.rateWindows.refusals).toBe(1);
      // Never back before the reset it was told: no request met an exhausted window twice.
      expect(sg.rateWindows.ignoredResets).toBe(0);
      expect(sg.listNamesOf(email)).toEqual(['List One', 'List Two']);
    } finally {
      await sg.close();
    }
  }, 90_000);
});
