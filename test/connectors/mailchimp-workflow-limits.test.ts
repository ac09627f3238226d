import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMailchimp, subscriberHash, type FakeMailchimp } from '../fakes/mailchimp';
import { startMailchimpDestination } from '../fakes/mailchimp/destination';
import { memberOf } from '../fakes/mailchimp/fixtures';
import { testDb } from '../helpers/db';
import { ensureProperties, outboxOf, uid, upsertProfile, values } from '../helpers/fixtures';
import { eventually, startTestWorker, type TestWorker } from '../helpers/worker';

const { db } = testDb();
let tw: TestWorker;
const fakes: FakeMailchimp[] = [];

beforeAll(async () => {
  await ensureProperties(db);
  tw = await startTestWorker(db, { retryBaseMs: 200 });
});
afterAll(async () => {
  await tw?.stop();
  await Promise.all(fakes.map((f) => f.close()));
});

/** Each test scripts its own local API, so no other test's request takes its 429. */
async function start(latencyMs = 0) {
  const fake = await startFakeMailchimp({ latencyMs });
  fakes.push(fake);
  return { fake, mc: await startMailchimpDestination(db, tw, fake) };
}

describe('mailchimp destination in the workflow: limits', () => {
  it('completes after six 429s in a row, waiting at least a second each time, counting no attempt', async () => {
    const { fake, mc } = await start();
    const id = uid('prf');
    const email = `${id}@x.io`;
    fake.rateLimitMemberCalls(6);
    await mc.change(id, { email, name: 'Rae' });

    // Mailchimp sends no Retry-After: each wait is the connector's own, 1 to 10 s.
    const done = await mc.settled(id, 1, 100_000);
    expect(done).toMatchObject({ state: 'complete', attempts: 0 });
    expect(memberOf(mc.list, email)!.merge_fields.FNAME).toBe('Rae');
    const member = fake.timeline.filter((t) => t.request.includes(subscriberHash(email)));
    expect(member.map((t) => t.status)).toEqual([429, 429, 429, 429, 429, 429, 200]);
    for (let i = 1; i < member.length; i++) {
      expect(member[i]!.at - member[i - 1]!.at).toBeGreaterThanOrEqual(1_000);
    }
    // The row kept the time of its last retry: a second or more after the last 429 (the
    // engine's own backoff would be 200 ms here), and the resend did not come before it.
    const [last429, success] = member.slice(-2);
    const retryAt = done.sendAt!.getTime();
    expect(retryAt - last429!.at).toBeGreaterThanOrEqual(1_000);
    expect(success!.at).toBeGreaterThanOrEqual(retryAt);
  }, 120_000);

  it('ends a burst of 20 changes with the newest values, one member and one call at a time', async () => {
    // Latency keeps each call open, so two at once for the member would show in the counter.
    const { fake, mc } = await start(20);
    const id = uid('prf');
    const email = `${id}@x.io`;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => mc.change(id, { email, name: `Name ${i + 1}` })),
    );
    // The burst's writes race one another; one more change settles which version is newest.
    await mc.change(id, { email, name: 'Final' });
    await eventually(async () => {
      const outbox = await outboxOf(db, mc.destinationId, [id]);
      return outbox.length === 0 && memberOf(mc.list, email)?.merge_fields.FNAME === 'Final';
    }, 30_000);

    expect(mc.list.members.size).toBe(1);
    expect(fake.peakFor(email)).toBe(1);
    const states = (await mc.exports(id)).map((e) => e.state);
    expect(states.at(-1)).toBe('complete');
    expect(states).not.toContain('failed');
  }, 60_000);

  it('exports 50 profiles without ever opening more than 9 connections', async () => {
    const { fake, mc } = await start(20);
    const ids = Array.from({ length: 50 }, () => uid('prf'));
    for (const id of ids) await upsertProfile(db, id, values({ email: `${id}@x.io`, name: 'N' }));

    await mc.pass(ids);
    await eventually(async () => {
      const rows = await Promise.all(ids.map((id) => mc.exports(id)));
      return rows.every((r) => r.at(-1)?.state === 'complete');
    }, 45_000);

    expect(mc.list.members.size).toBe(50);
    // The local API refuses an 11th connection; none was refused, and we stayed at 9.
    expect(fake.connectionRejections()).toBe(0);
    expect(fake.peakConcurrency()).toBeGreaterThan(1);
    expect(fake.peakConcurrency()).toBeLessThanOrEqual(9);
  }, 60_000);
});
