import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendgridConnector } from '../../connectors/sendgrid';
import type { ExportChange, ExportOutcome } from '../../connectors/types';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid';
import { contactChange, sendgridContext, uniqueEmail } from '../fakes/sendgrid/fixtures';

let fake: FakeSendgrid;

beforeAll(async () => {
  fake = await startFakeSendgrid({ jobDelayMs: 150 });
});
afterAll(async () => {
  await fake.close();
});

type Ctx = ReturnType<typeof sendgridContext>;
const send = (ctx: Ctx, changes: ExportChange[]) => sendgridConnector.exportBatch(ctx, changes);
const check = (ctx: Ctx, jobId: string, changes: ExportChange[]) =>
  sendgridConnector.checkJob!(ctx, jobId, changes);

/** Sends, then checks the job until it reports, as the engine's timers would. */
async function sendAndSettle(ctx: Ctx, changes: ExportChange[]): Promise<ExportOutcome[]> {
  let outcomes = await send(ctx, changes);
  for (let i = 0; i < 50; i++) {
    const waiting = outcomes.filter((o) => o.status === 'processing');
    if (waiting.length === 0) return outcomes;
    await new Promise((r) => setTimeout(r, 50));
    const jobId = (waiting[0] as { jobId: string }).jobId;
    const checked = await check(
      ctx,
      jobId,
      changes.filter((c) => waiting.some((w) => w.profileId === c.profileId)),
    );
    outcomes = outcomes.map((o) => checked.find((c) => c.profileId === o.profileId) ?? o);
  }
  throw new Error('job never reported');
}

describe('sendgrid connector: asynchronous jobs', () => {
  it('reports an upsert as processing with its job id, and applies nothing until the job ends', async () => {
    const ctx = sendgridContext(fake);
    const email = uniqueEmail('ana');
    const change = contactChange('ana', { newProperties: { email, first_name: 'Ana' } });

    const [outcome] = await send(ctx, [change]);
    expect(outcome).toMatchObject({ profileId: 'ana', status: 'processing', pollAfterMs: 100 });
    const jobId = (outcome as { jobId: string }).jobId;
    expect(fake.jobs.get(jobId)?.status).toBe('pending');
    expect(fake.contacts.has(email)).toBe(false);

    expect(await check(ctx, jobId, [change])).toEqual([
      { profileId: 'ana', status: 'processing', jobId, pollAfterMs: 100 },
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(await check(ctx, jobId, [change])).toEqual([{ profileId: 'ana', status: 'complete' }]);
    expect(fake.contactByEmail(email)?.fields).toEqual({ first_name: 'Ana' });
  });

  it('fails only the contact the job reports as errored and completes the others', async () => {
    const ctx = sendgridContext(fake);
    const [good, bad] = [uniqueEmail('good'), uniqueEmail('bad')];
    fake.refusals.set(bad, 'email domain does not accept mail');
    const changes = [
      contactChange('good', { newProperties: { email: good } }),
      contactChange('bad', { newProperties: { email: bad } }),
    ];

    const outcomes = await sendAndSettle(ctx, changes);
    expect(outcomes[0]).toEqual({ profileId: 'good', status: 'complete' });
    expect(outcomes[1]).toMatchObject({
      profileId: 'bad',
      status: 'failed',
      message: expect.stringContaining('email domain does not accept mail'),
    });
    expect(fake.contactByEmail(good)).toBeDefined();
    expect(fake.contactByEmail(bad)).toBeUndefined();
  });

  it('fails a malformed email at once and still sends the rest of the batch', async () => {
    const ctx = sendgridContext(fake);
    const good = uniqueEmail('fine');
    const outcomes = await sendAndSettle(ctx, [
      contactChange('odd', { newProperties: { email: '000' } }),
      contactChange('fine', { newProperties: { email: good } }),
    ]);
    expect(outcomes[0]).toMatchObject({
      status: 'failed',
      message: expect.stringContaining("'000'"),
    });
    expect(outcomes[1]).toEqual({ profileId: 'fine', status: 'complete' });
  });

  it('waits as long as X-RateLimit-Reset says after a 429, without using up retries', async () => {
    const ctx = sendgridContext(fake);
    fake.rateLimitNext(1, 7);
    const [outcome] = await send(ctx, [
      contactChange('rl', { newProperties: { email: uniqueEmail('rl') } }),
    ]);
    expect(outcome).toMatchObject({ status: 'retry', rateLimited: true, retryAfterMs: 7000 });
  });
});

describe('sendgrid connector: lists, deletes, enrich and email changes', () => {
  it('adds contacts to lists named after groups and removes the lists they left', async () => {
    const ctx = sendgridContext(fake);
    const email = uniqueEmail('li');
    const first = { newProperties: { email }, newGroups: ['VIP', 'Spanish Speakers'] };
    await sendAndSettle(ctx, [contactChange('li', first)]);
    expect(fake.listNamesOf(email)).toEqual(['Spanish Speakers', 'VIP']);

    const next = contactChange('li', {
      oldProperties: { email },
      newProperties: { email },
      oldGroups: ['Spanish Speakers', 'VIP'],
      newGroups: ['VIP'],
    });
    expect(await sendAndSettle(ctx, [next])).toEqual([{ profileId: 'li', status: 'complete' }]);
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.listNamesOf(email)).toEqual(['VIP']);
  });

  it('deletes the contact under the email last sent, and counts a missing one as done', async () => {
    const ctx = sendgridContext(fake);
    const email = uniqueEmail('del');
    await sendAndSettle(ctx, [contactChange('del', { newProperties: { email } })]);
    const remove = contactChange('del', {
      toDelete: true,
      oldProperties: { email },
      newProperties: {},
    });

    expect(await sendAndSettle(ctx, [remove])).toEqual([{ profileId: 'del', status: 'complete' }]);
    expect(fake.contactByEmail(email)).toBeUndefined();
    const again = await send(ctx, [remove]);
    expect(again).toEqual([{ profileId: 'del', status: 'complete' }]);
  });

  it('refuses to create a contact in enrich mode but updates an existing one', async () => {
    const [known, unknown] = [uniqueEmail('known'), uniqueEmail('unknown')];
    await sendAndSettle(sendgridContext(fake), [
      contactChange('k', { newProperties: { email: known } }),
    ]);
    const ctx = sendgridContext(fake, 'enrich');
    const outcomes = await sendAndSettle(ctx, [
      contactChange('k', {
        oldProperties: { email: known },
        newProperties: { email: known, city: 'Porto' },
      }),
      contactChange('u', { newProperties: { email: unknown } }),
    ]);
    expect(outcomes[0]).toEqual({ profileId: 'k', status: 'complete' });
    expect(outcomes[1]).toMatchObject({ status: 'failed', level: 'info' });
    expect(fake.contactByEmail(known)?.fields).toMatchObject({ city: 'Porto' });
    expect(fake.contactByEmail(unknown)).toBeUndefined();
  });

  it('moves a contact to its new email: sync deletes the old one, additive only takes our lists', async () => {
    for (const mode of ['sync', 'additive'] as const) {
      const ctx = sendgridContext(fake, mode);
      const [a, b] = [uniqueEmail('a'), uniqueEmail('b')];
      await sendAndSettle(ctx, [
        contactChange('m', { newProperties: { email: a }, newGroups: ['Ours'] }),
      ]);
      const move = contactChange('m', {
        oldProperties: { email: a },
        newProperties: { email: b },
        oldGroups: ['Ours'],
        newGroups: ['Ours'],
      });
      expect(await sendAndSettle(ctx, [move])).toEqual([{ profileId: 'm', status: 'complete' }]);
      await new Promise((r) => setTimeout(r, 200));
      expect(fake.listNamesOf(b)).toEqual(['Ours']);
      if (mode === 'sync') expect(fake.contactByEmail(a)).toBeUndefined();
      else expect(fake.listNamesOf(a)).toEqual([]);
    }
  });

  it('lists reserved and custom fields with their types as mapping options', async () => {
    const options = await sendgridConnector.mappingOptions(sendgridContext(fake));
    expect(options.required).toEqual([{ key: 'email', type: 'email', important: true }]);
    expect(options.known).toEqual(
      expect.arrayContaining([
        { key: 'first_name', type: 'string', important: true },
        { key: 'number_field', type: 'float' },
        { key: 'date_field', type: 'date' },
        { key: 'phone_number', type: 'phone' },
      ]),
    );
    expect(options.known.map((f) => f.key)).not.toContain('created_at');
    expect(options.allowCustomFields).toBe(false);
  });
});
