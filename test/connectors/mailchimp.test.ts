import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailchimpConnector } from '../../connectors/mailchimp';
import { startFakeMailchimp, subscriberHash, type FakeMailchimp } from '../fakes/mailchimp';
import { writeMember } from '../fakes/mailchimp/state';
import { mailchimpContext, memberChange, memberOf, tagsOf } from '../fakes/mailchimp/fixtures';

let fake: FakeMailchimp;

beforeAll(async () => {
  fake = await startFakeMailchimp();
});
afterAll(async () => {
  await fake.close();
});

const send = mailchimpConnector.exportBatch.bind(mailchimpConnector);

describe('mailchimp connector: members', () => {
  it('creates a subscribed member with its merge fields and tags', async () => {
    const list = fake.createList();
    const ctx = mailchimpContext(fake, list);
    const change = memberChange('ana', {
      newProperties: { email_address: 'Ana@Example.com', FNAME: 'Ana', PHONE: '+5583999999999' },
      newGroups: ['High Value'],
    });

    expect(await send(ctx, [change])).toEqual([{ profileId: 'ana', status: 'complete' }]);
    const member = memberOf(list, 'ana@example.com');
    expect(member).toMatchObject({ status: 'subscribed', email_address: 'Ana@Example.com' });
    expect(member!.merge_fields).toMatchObject({
      FNAME: 'Ana',
      PHONE: '+5583999999999',
      LNAME: '',
    });
    expect(tagsOf(list, 'ana@example.com')).toEqual(['High Value']);
  });

  it('keeps an unsubscribed member unsubscribed and clears fields no longer sent', async () => {
    const list = fake.createList();
    const ctx = mailchimpContext(fake, list);
    const email = 'bo@example.com';
    await send(ctx, [
      memberChange('bo', { newProperties: { email_address: email, FNAME: 'Bo', LNAME: 'Li' } }),
    ]);
    memberOf(list, email)!.status = 'unsubscribed';

    const update = memberChange('bo', {
      oldProperties: { email_address: email, FNAME: 'Bo', LNAME: 'Li' },
      newProperties: { email_address: email, FNAME: 'Bob' },
    });
    expect(await send(ctx, [update])).toEqual([{ profileId: 'bo', status: 'complete' }]);
    expect(memberOf(list, email)).toMatchObject({
      status: 'unsubscribed',
      merge_fields: expect.objectContaining({ FNAME: 'Bob', LNAME: '' }),
    });
  });

  it('leaves the status of a member Mailchimp held before the first export', async () => {
    const list = fake.createList();
    const email = 'una@example.com';
    // Someone unsubscribed long before Outflow exported to this audience.
    writeMember(
      list,
      subscriberHash(email),
      { email_address: email, status: 'unsubscribed' },
      true,
    );

    const first = memberChange('una', { newProperties: { email_address: email, FNAME: 'Una' } });
    expect(await send(mailchimpContext(fake, list), [first])).toEqual([
      { profileId: 'una', status: 'complete' },
    ]);
    expect(memberOf(list, email)).toMatchObject({
      status: 'unsubscribed',
      merge_fields: expect.objectContaining({ FNAME: 'Una' }),
    });
  });

  it('keeps the status of the existing member a changed email lands on', async () => {
    const list = fake.createList();
    const ctx = mailchimpContext(fake, list);
    const [from, to] = ['vi@example.com', 'vi@work.example.com'];
    await send(ctx, [memberChange('vi', { newProperties: { email_address: from } })]);
    writeMember(list, subscriberHash(to), { email_address: to, status: 'cleaned' }, true);

    const move = memberChange('vi', {
      oldProperties: { email_address: from },
      newProperties: { email_address: to, FNAME: 'Vi' },
    });
    expect(await send(ctx, [move])).toEqual([{ profileId: 'vi', status: 'complete' }]);
    expect(memberOf(list, to)).toMatchObject({
      status: 'cleaned',
      merge_fields: expect.objectContaining({ FNAME: 'Vi' }),
    });
    expect(memberOf(list, from)).toMatchObject({ status: 'subscribed' });
  });

  it('renames the member in place when the email changes', async () => {
    const list = fake.createList();
    const ctx = mailchimpContext(fake, list);
    const before = { email_address: 'cy@example.com', FNAME: 'Cy' };
    await send(ctx, [memberChange('cy', { newProperties: before, newGroups: ['VIP'] })]);
    const id = memberOf(list, 'cy@example.com')!.unique_email_id;
    memberOf(list, 'cy@example.com')!.status = 'unsubscribed';

    const rename = memberChange('cy', {
      oldProperties: before,
      newProperties: { email_address: 'cy.new@example.com', FNAME: 'Cy' },
      oldGroups: ['VIP'],
      newGroups: ['VIP'],
    });
    expect(await send(ctx, [rename])).toEqual([{ profileId: 'cy', status: 'complete' }]);
    expect(memberOf(list, 'cy@example.com')).toBeUndefined();
    expect(memberOf(list, 'cy.new@example.com')).toMatchObject({
      unique_email_id: id,
      status: 'unsubscribed',
    });
    expect(list.members.size).toBe(1);
    expect(tagsOf(list, 'cy.new@example.com')).toEqual(['VIP']);
  });

  it('renames a member away before another profile takes its email in the same batch', async () => {
    const list = fake.createList();
    const ctx = mailchimpContext(fake, list);
    const a = { email_address: 'x@example.com', FNAME: 'A' };
    await send(ctx, [memberChange('pa', { newProperties: a })]);
    const id = memberOf(list, 'x@example.com')!.unique_email_id;
    // B, new, takes x@ and comes first; A moves from x@ to y@.
    const outcomes = await send(ctx, [
      memberChange('pb', { newProperties: { email_address: 'x@example.com', FNAME: 'B' } }),
      memberChange('pa', {
        oldProperties: a,
        newProperties: { email_address: 'y@example.com', FNAME: 'A' },
      }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['complete', 'complete']);
    expect(memberOf(list, 'y@example.com')).toMatchObject({
      unique_email_id: id,
      merge_fields: { FNAME: 'A' },
    });
    expect(memberOf(list, 'x@example.com')?.merge_fields).toMatchObject({ FNAME: 'B' });
    expect(list.members.size).toBe(2);
  });

  it('moves our tags to the new email when it is already a member, leaving the old member', async () => {
    const list = fake.createList();
    const ctx = mailchimpContext(fake, list);
    const old = { email_address: 'dee@example.com' };
    await send(ctx, [memberChange('dee', { newProperties: old, newGroups: ['VIP'] })]);
    await send(ctx, [
      memberChange('other', { newProperties: { email_address: 'dee@work.example.com' } }),
    ]);

    const change = memberChange('dee', {
      oldProperties: old,
      newProperties: { email_address: 'dee@work.example.com', FNAME: 'Dee' },
      oldGroups: ['VIP'],
      newGroups: ['VIP', 'Buyers'],
    });
    expect(await send(ctx, [change])).toEqual([{ profileId: 'dee', status: 'complete' }]);
    expect(memberOf(list, 'dee@example.com')).toBeDefined();
    expect(tagsOf(list, 'dee@example.com')).toEqual([]);
    expect(tagsOf(list, 'dee@work.example.com')).toEqual(['Buyers', 'VIP']);
    expect(memberOf(list, 'dee@work.example.com')!.merge_fields.FNAME).toBe('Dee');
  });

  it('refuses to create a member in enrich mode but updates an existing one', async () => {
    const list = fake.createList();
    await send(mailchimpContext(fake, list), [memberChange('ed')]);
    const enrich = mailchimpContext(fake, list, 'enrich');
    const update = memberChange('ed', {
      newProperties: { email_address: 'ed@example.com', FNAME: 'Ed' },
    });

    const outcomes = await send(enrich, [update, memberChange('fay')]);
    expect(outcomes).toEqual([
      { profileId: 'ed', status: 'complete' },
      expect.objectContaining({ profileId: 'fay', status: 'failed', level: 'info' }),
    ]);
    expect(memberOf(list, 'ed@example.com')!.merge_fields.FNAME).toBe('Ed');
    expect(memberOf(list, 'fay@example.com')).toBeUndefined();
  });
});
