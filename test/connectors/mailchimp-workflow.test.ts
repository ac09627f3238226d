import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMailchimp, type FakeMailchimp } from '../fakes/mailchimp';
import { startMailchimpDestination } from '../fakes/mailchimp/destination';
import { callsFor, memberOf } from '../fakes/mailchimp/fixtures';
import { testDb } from '../helpers/db';
import { ensureProperties, uid, upsertProfile, values } from '../helpers/fixtures';
import { startTestWorker, type TestWorker } from '../helpers/worker';

const { db } = testDb();
let tw: TestWorker;
let fake: FakeMailchimp;

beforeAll(async () => {
  await ensureProperties(db);
  fake = await startFakeMailchimp();
  tw = await startTestWorker(db, { retryBaseMs: 200 });
});
afterAll(async () => {
  await tw?.stop();
  await fake?.close();
});

const puts = (email: string) => callsFor(fake, email).filter((c) => c.startsWith('PUT '));

describe('mailchimp destination in the workflow', () => {
  it('fails compliance-state and fake-looking emails after one attempt and completes the rest', async () => {
    const mc = await startMailchimpDestination(db, tw, fake);
    const [good, held, fakeish] = [uid('prf'), uid('prf'), uid('prf')];
    const email = (id: string) => `${id}@x.io`;
    for (const [id, name] of [
      [good, 'Gia'],
      [held, 'Hal'],
      [fakeish, 'Foo'],
    ] as const) {
      await upsertProfile(db, id, values({ email: email(id), name }));
    }
    mc.list.flagged.set(email(held), 'compliance');
    mc.list.flagged.set(email(fakeish), 'fake');

    await mc.pass([good, held, fakeish]);
    expect(await mc.settled(held, 1)).toMatchObject({
      state: 'failed',
      attempts: 1,
      errorLevel: 'error',
      errorMessage: expect.stringContaining('Member In Compliance State'),
    });
    expect(await mc.settled(fakeish, 1)).toMatchObject({
      state: 'failed',
      attempts: 1,
      errorMessage: expect.stringContaining('looks fake or invalid'),
    });
    expect(await mc.settled(good, 1)).toMatchObject({ state: 'complete', attempts: 0 });
    expect(memberOf(mc.list, email(good))).toMatchObject({ status: 'subscribed' });
    expect(mc.list.members.size).toBe(1);
    // Permanent: the engine does not send them again on its own.
    await new Promise((r) => setTimeout(r, 1_500));
    expect([puts(email(held)), puts(email(fakeish))].map((p) => p.length)).toEqual([1, 1]);
  });

  it('retries a failed profile on a later pass with no change and skips the ones that succeeded', async () => {
    const mc = await startMailchimpDestination(db, tw, fake);
    const [good, bad] = [uid('prf'), uid('prf')];
    const [goodEmail, badEmail] = [`${good}@x.io`, `${bad}@x.io`];
    await upsertProfile(db, good, values({ email: goodEmail, name: 'Gia' }));
    await upsertProfile(db, bad, values({ email: badEmail, name: 'Bea' }));
    mc.list.flagged.set(badEmail, 'compliance');

    await mc.pass([good, bad]);
    expect(await mc.settled(good, 1)).toMatchObject({ state: 'complete' });
    expect(await mc.settled(bad, 1)).toMatchObject({ state: 'failed' });

    // Compliance review cleared the address; nothing about the profiles changed.
    mc.list.flagged.delete(badEmail);
    const callsBefore = fake.requests.length;
    await mc.pass([good, bad]);
    const retried = await mc.settled(bad, 2);
    const skipped = await mc.settled(good, 2);

    expect(retried).toMatchObject({ state: 'complete', hasChanges: true, oldProperties: {} });
    expect(skipped).toMatchObject({ state: 'complete', hasChanges: false });
    expect(memberOf(mc.list, badEmail)).toMatchObject({
      status: 'subscribed',
      merge_fields: expect.objectContaining({ FNAME: 'Bea' }),
    });
    // Besides reading the merge fields, only the retried member was called.
    const memberCalls = fake.requests.slice(callsBefore).filter((c) => c.includes('/members/'));
    expect(memberCalls).toEqual(callsFor(fake, badEmail).slice(-memberCalls.length));
    expect(memberCalls).toEqual([expect.stringMatching(/^PUT /)]);
  });

  it('sends two changes of one profile in one batch as one write with the newest values', async () => {
    const mc = await startMailchimpDestination(db, tw, fake);
    const id = uid('prf');
    const email = `${id}@x.io`;
    // Both changes are committed before the workflow hears of either.
    await upsertProfile(db, id, values({ email, name: 'First' }));
    await upsertProfile(db, id, values({ email, name: 'Second' }));
    await Promise.all([mc.pass([id]), mc.pass([id])]);

    expect(await mc.settled(id, 1)).toMatchObject({
      state: 'complete',
      newProperties: expect.objectContaining({ FNAME: 'Second' }),
    });
    expect(puts(email)).toHaveLength(1);
    expect(memberOf(mc.list, email)!.merge_fields.FNAME).toBe('Second');
  });
});
