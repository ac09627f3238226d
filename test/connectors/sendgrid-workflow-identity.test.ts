import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid';
import { sendgridDestination } from '../fakes/sendgrid/destination';
import { requestsConcerning } from '../fakes/sendgrid/fixtures';
import { testDb } from '../helpers/db';
import {
  createGroup,
  deleteProfile,
  ensureProperties,
  exportsOf,
  uid,
  upsertProfile,
  values,
} from '../helpers/fixtures';
import { startTestWorker, type TestWorker } from '../helpers/worker';

/**
 * Issue 5, behaviours 1 and 4 through the engine: a profile's email changing, and deletes by
 * the identifier last sent.
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

/** A destination mapping one group to the list "Ours", with a profile exported into it. */
async function exported() {
  const group = await createGroup(db, 'Ours');
  const d = await sendgridDestination(db, tw, fake, {
    groupMapping: { [group]: 'Ours' },
    app: { searchWaitMs: 2_000 },
  });
  const id = uid('prf');
  const a = `${id}-a@x.io`;
  await d.change(id, values({ email: a, name: 'Ada' }), [group]);
  await d.settled(id, 1);
  return { d, id, a, b: `${id}-b@x.io`, group };
}

describe('sendgrid destination: email changes', () => {
  it('takes our list off the old contact and updates the existing one when the new email exists', async () => {
    const { d, id, a, b, group } = await exported();
    fake.addToList(a, 'Theirs');
    fake.addContact(b, { fields: { last_name: 'Byron' }, lists: ['Their other'] });

    await d.change(id, values({ email: b, name: 'Ada' }), [group]);
    const [, moved] = await d.settled(id, 2);
    expect(moved).toMatchObject({ state: 'complete', newProperties: { email: b } });
    // The contact under a is not ours alone any more: it keeps all but our list.
    expect(fake.contactByEmail(a)?.fields).toEqual({ first_name: 'Ada' });
    expect(fake.listNamesOf(a)).toEqual(['Theirs']);
    expect(fake.contactByEmail(b)?.fields).toEqual({ first_name: 'Ada', last_name: 'Byron' });
    expect(fake.listNamesOf(b)).toEqual(['Ours', 'Their other']);
  });

  it('moves the contact when the new email is new to SendGrid: one contact, their data kept', async () => {
    const { d, id, a, b, group } = await exported();
    fake.addToList(a, 'Theirs');
    fake.editContact(a, { fields: { city: 'Porto' } });

    await d.change(id, values({ email: b, name: 'Ada' }), [group]);
    const [, moved] = await d.settled(id, 2);
    expect(moved).toMatchObject({ state: 'complete' });
    expect(fake.contactByEmail(a)).toBeUndefined();
    expect(fake.contactByEmail(b)?.fields).toEqual({ first_name: 'Ada', city: 'Porto' });
    expect(fake.listNamesOf(b)).toEqual(['Ours', 'Theirs']);
  });
});

describe('sendgrid destination: deletes', () => {
  it('deletes by the email last sent when the profile is deleted after its email changed', async () => {
    const { d, id, a, b, group } = await exported();
    // Changed here but never exported, then deleted.
    await upsertProfile(db, id, values({ email: b, name: 'Ada' }), [group]);
    await deleteProfile(db, id);
    await d.pass([id]);

    const [, removed] = await d.settled(id, 2);
    expect(removed).toMatchObject({
      state: 'complete',
      toDelete: true,
      newProperties: { email: a },
    });
    expect(fake.contactByEmail(a)).toBeUndefined();
    expect(fake.peakInFlightFor(b)).toBe(0);
  });

  it('counts a contact someone already deleted in SendGrid as deleted', async () => {
    const { d, id, a } = await exported();
    const contactId = fake.contactByEmail(a)!.id;
    fake.removeContact(a);
    await deleteProfile(db, id);
    await d.pass([id]);

    const [, removed] = await d.settled(id, 2);
    expect(removed).toMatchObject({ state: 'complete', toDelete: true, errorMessage: null });
    const deletes = requestsConcerning(fake, a, [contactId]).filter((r) => r.method === 'DELETE');
    expect(deletes).toEqual([]);
  });

  it('makes no call for a profile deleted before it was ever exported', async () => {
    const d = await sendgridDestination(db, tw, fake);
    const id = uid('prf');
    const email = `${id}@x.io`;
    await upsertProfile(db, id, values({ email, name: 'Nobody' }));
    await deleteProfile(db, id);
    await d.pass([id]);

    await d.drained([id]);
    expect(await exportsOf(db, d.destinationId, id)).toEqual([]);
    expect(fake.peakInFlightFor(email)).toBe(0);
  });

  it('creates a contact again for a later profile with the email of a deleted one', async () => {
    const { d, id, a } = await exported();
    const firstId = fake.contactByEmail(a)!.id;
    await deleteProfile(db, id);
    await d.pass([id]);
    await d.settled(id, 2);

    const again = uid('prf');
    await d.change(again, values({ email: a, name: 'Ada again' }));
    const [created] = await d.settled(again, 1);
    expect(created).toMatchObject({ state: 'complete', toDelete: false });
    expect(fake.contactByEmail(a)?.id).not.toBe(firstId);
    expect(fake.contactByEmail(a)?.fields).toEqual({ first_name: 'Ada again' });
  });
});
