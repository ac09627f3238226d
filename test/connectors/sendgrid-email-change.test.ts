import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid';
import {
  contactChange,
  sendAndSettle,
  sendgridContext,
  uniqueEmail,
} from '../fakes/sendgrid/fixtures';

/**
 * Issue 5, behaviour 1 against the local API: SendGrid identifies contacts by email and cannot
 * change one's email, so a → b is a new contact b plus the removal of a, or, when b exists
 * already, a losing our lists while b is updated.
 */

let fake: FakeSendgrid;

beforeAll(async () => {
  fake = await startFakeSendgrid({ jobDelayMs: 100 });
});
afterAll(() => fake.close());

/** A contact we created under `a` with our list, which someone else then edited. */
async function ours(ctx: ReturnType<typeof sendgridContext>, id: string, a: string) {
  const create = contactChange(id, {
    newProperties: { email: a, first_name: 'Mo', last_name: 'Ours' },
    newGroups: ['Ours'],
  });
  await sendAndSettle(ctx, [create]);
  fake.addToList(a, 'Theirs');
  fake.editContact(a, { fields: { city: 'Porto' }, custom: { e3_N: 7 } });
  return create;
}

const move = (id: string, a: string, b: string, groups = ['Ours']) =>
  contactChange(id, {
    oldProperties: { email: a, first_name: 'Mo', last_name: 'Ours' },
    newProperties: { email: b, first_name: 'Mo' },
    oldGroups: ['Ours'],
    newGroups: groups,
  });

describe('sendgrid connector: email changes', () => {
  it('moves the contact to a new email in sync mode: one contact, carrying their fields and lists', async () => {
    const ctx = sendgridContext(fake);
    const [a, b] = [uniqueEmail('a'), uniqueEmail('b')];
    await ours(ctx, 'm1', a);
    const aId = fake.contactByEmail(a)!.id;

    expect(await sendAndSettle(ctx, [move('m1', a, b)])).toEqual([
      { profileId: 'm1', status: 'complete' },
    ]);
    expect(fake.contactByEmail(a)).toBeUndefined();
    const moved = fake.contactByEmail(b)!;
    expect(moved.id).not.toBe(aId);
    // Ours as sent now (last_name no longer mapped is not carried); theirs as they left it.
    expect(moved.fields).toEqual({ first_name: 'Mo', city: 'Porto' });
    expect(moved.custom_fields).toEqual({ e3_N: 7 });
    expect(fake.listNamesOf(b)).toEqual(['Ours', 'Theirs']);
  });

  it('drops our old lists from the moved contact and adds the new ones', async () => {
    const ctx = sendgridContext(fake);
    const [a, b] = [uniqueEmail('a'), uniqueEmail('b')];
    await ours(ctx, 'm2', a);

    await sendAndSettle(ctx, [move('m2', a, b, ['Newer'])]);
    expect(fake.listNamesOf(b)).toEqual(['Newer', 'Theirs']);
  });

  it('takes our lists off the old contact and updates the existing one when the new email exists already', async () => {
    for (const mode of ['sync', 'additive'] as const) {
      const ctx = sendgridContext(fake, mode);
      const [a, b] = [uniqueEmail('a'), uniqueEmail('b')];
      await ours(ctx, `m3-${mode}`, a);
      fake.addContact(b, { fields: { last_name: 'Theirs', city: 'Lima' }, lists: ['Other'] });

      const outcomes = await sendAndSettle(ctx, [move(`m3-${mode}`, a, b)]);
      expect(outcomes).toEqual([{ profileId: `m3-${mode}`, status: 'complete' }]);
      // a keeps everything but our list; b gets ours and keeps what we never sent it.
      expect(fake.contactByEmail(a)?.fields).toMatchObject({ first_name: 'Mo', city: 'Porto' });
      expect(fake.listNamesOf(a)).toEqual(['Theirs']);
      expect(fake.contactByEmail(b)?.fields).toEqual({
        first_name: 'Mo',
        last_name: 'Theirs',
        city: 'Lima',
      });
      expect(fake.listNamesOf(b)).toEqual(['Other', 'Ours']);
    }
  });

  it('keeps the old contact in additive mode, taking only our lists off it', async () => {
    const ctx = sendgridContext(fake, 'additive');
    const [a, b] = [uniqueEmail('a'), uniqueEmail('b')];
    await ours(ctx, 'm4', a);

    await sendAndSettle(ctx, [move('m4', a, b)]);
    expect(fake.listNamesOf(a)).toEqual(['Theirs']);
    expect(fake.contactByEmail(a)?.fields).toMatchObject({ city: 'Porto' });
    expect(fake.contactByEmail(b)?.fields).toEqual({ first_name: 'Mo' });
    expect(fake.listNamesOf(b)).toEqual(['Ours']);
  });

  it('fails the export when the job deleting the old contact fails, leaving both contacts', async () => {
    const ctx = sendgridContext(fake);
    const [a, b] = [uniqueEmail('a'), uniqueEmail('b')];
    await ours(ctx, 'm5', a);
    fake.failNextJob('delete');

    const [outcome] = await sendAndSettle(ctx, [move('m5', a, b)]);
    expect(outcome).toMatchObject({
      status: 'failed',
      level: 'error',
      message: expect.stringContaining('the job could not be processed'),
    });
    // Nothing was lost: the old contact is still there, beside its successor.
    expect(fake.contactByEmail(a)).toBeDefined();
    expect(fake.contactByEmail(b)).toBeDefined();
  });

  it('leaves the old contact alone when the job creating its successor refuses it', async () => {
    const ctx = sendgridContext(fake);
    const [a, b] = [uniqueEmail('a'), uniqueEmail('b')];
    await ours(ctx, 'm6', a);
    fake.refusals.set(b, 'invalid email domain');

    const [outcome] = await sendAndSettle(ctx, [move('m6', a, b)]);
    expect(outcome).toMatchObject({ status: 'failed', message: expect.stringContaining('domain') });
    expect(fake.listNamesOf(a)).toEqual(['Ours', 'Theirs']);
    expect(fake.contactByEmail(b)).toBeUndefined();
  });
});
