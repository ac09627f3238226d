import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendgridConnector } from '../../connectors/sendgrid';
import { decodePending } from '../../connectors/sendgrid/pending';
import type { ExportChange } from '../../connectors/types';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid';
import {
  contactChange,
  requestsConcerning,
  sendAndSettle,
  sendgridContext,
  uniqueEmail,
} from '../fakes/sendgrid/fixtures';

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

describe('sendgrid connector: asynchronous jobs', () => {
  it('reports an upsert as processing with its job id, and applies nothing until the job ends', async () => {
    const ctx = sendgridContext(fake);
    const email = uniqueEmail('ana');
    const change = contactChange('ana', { newProperties: { email, first_name: 'Ana' } });

    const [outcome] = await send(ctx, [change]);
    expect(outcome).toMatchObject({ profileId: 'ana', status: 'processing', pollAfterMs: 100 });
    const jobId = (outcome as { jobId: string }).jobId;
    const [sendgridJob] = decodePending(jobId)!.jobs;
    expect(fake.jobs.get(sendgridJob!)?.status).toBe('pending');
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

  it('fails a contact whose custom value its field cannot hold once the job reports, leaving it unchanged', async () => {
    const ctx = sendgridContext(fake);
    const email = uniqueEmail('evan');
    const first = contactChange('evan', {
      newProperties: { email, date_field: '1970-01-01T00:00:00.000Z' },
    });
    await sendAndSettle(ctx, [first]);

    // As recorded: SendGrid accepts the request (202) and its job refuses the contact.
    const bad = contactChange('evan', {
      oldProperties: first.newProperties,
      newProperties: { email, first_name: 'Evan', date_field: 'AAAAA' },
    });
    const [outcome] = await sendAndSettle(ctx, [bad]);
    const put = fake.requests.find(
      (r) => r.method === 'PUT' && JSON.stringify(r.body).includes('AAAAA'),
    );
    expect(put?.status).toBe(202);
    expect(outcome).toMatchObject({
      status: 'failed',
      level: 'error',
      message: expect.stringContaining("custom field 'date_field' must be a date"),
    });
    expect(fake.contactByEmail(email)?.fields).toEqual({});
    expect(fake.contactByEmail(email)?.custom_fields).toEqual({ e4_D: '1970-01-01T00:00:00.000Z' });
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

  it('deletes the contact under the email last sent', async () => {
    const ctx = sendgridContext(fake);
    const email = uniqueEmail('del');
    await sendAndSettle(ctx, [contactChange('del', { newProperties: { email } })]);
    const remove = contactChange('del', {
      toDelete: true,
      oldProperties: { email, first_name: 'Del' },
      newProperties: { email, first_name: 'Del' },
    });

    expect(await sendAndSettle(ctx, [remove])).toEqual([{ profileId: 'del', status: 'complete' }]);
    expect(fake.contactByEmail(email)).toBeUndefined();
  });

  it('deletes 150 contacts of one batch in calls of at most 100 ids', async () => {
    const ctx = sendgridContext(fake);
    const emails = Array.from({ length: 150 }, (_, i) => uniqueEmail(`bulk${i}`));
    await sendAndSettle(
      ctx,
      emails.map((email, i) => contactChange(`bulk${i}`, { newProperties: { email } })),
    );
    const removes = emails.map((email, i) =>
      contactChange(`bulk${i}`, {
        toDelete: true,
        oldProperties: { email },
        newProperties: { email },
      }),
    );
    const outcomes = await sendAndSettle(ctx, removes);
    expect(outcomes.filter((o) => o.status === 'complete')).toHaveLength(150);
    expect(emails.filter((e) => fake.contactByEmail(e))).toEqual([]);
  });

  it('counts a contact missing from SendGrid as deleted once search had time to show it', async () => {
    const ctx = sendgridContext(fake, 'sync', { searchWaitMs: 600 });
    const email = uniqueEmail('gone');
    const remove = contactChange('gone', {
      toDelete: true,
      oldProperties: { email },
      newProperties: { email },
    });

    // Search may not show a contact created moments ago yet: no verdict before the wait.
    const [first] = await send(ctx, [remove]);
    expect(first).toMatchObject({ status: 'processing' });
    expect(await sendAndSettle(ctx, [remove])).toEqual([{ profileId: 'gone', status: 'complete' }]);
    const deletes = requestsConcerning(fake, email).filter((r) => r.method === 'DELETE');
    expect(deletes).toEqual([]);
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
