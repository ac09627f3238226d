import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailchimpConnector } from '../../connectors/mailchimp';
import { startFakeMailchimp, type FakeMailchimp } from '../fakes/mailchimp';
import { writeTags } from '../fakes/mailchimp/state';
import { mailchimpContext, memberChange, memberOf, tagsOf } from '../fakes/mailchimp/fixtures';

let fake: FakeMailchimp;

beforeAll(async () => {
  fake = await startFakeMailchimp();
});
afterAll(async () => {
  await fake.close();
});

const send = mailchimpConnector.exportBatch.bind(mailchimpConnector);

describe('mailchimp connector: tags and deletes', () => {
  it('adds new groups, removes left ones and leaves tags someone else added', async () => {
    const list = fake.createList();
    const ctx = mailchimpContext(fake, list);
    const email = 'gil@example.com';
    await send(ctx, [memberChange('gil', { newGroups: ['VIP', 'Trial'] })]);
    writeTags(list, memberOf(list, email)!.id, [{ name: 'Met at expo', status: 'active' }]);

    const change = memberChange('gil', {
      oldProperties: { email_address: email },
      oldGroups: ['VIP', 'Trial'],
      newGroups: ['vip', 'Buyers'],
    });
    expect(await send(ctx, [change])).toEqual([{ profileId: 'gil', status: 'complete' }]);
    // "vip" is the same Mailchimp tag as "VIP": it stays, under its first spelling.
    expect(tagsOf(list, email)).toEqual(['Buyers', 'Met at expo', 'VIP']);
  });

  it('only removes our tags when a profile leaves the collection in additive mode', async () => {
    const list = fake.createList();
    const ctx = mailchimpContext(fake, list, 'additive');
    const email = 'hal@example.com';
    const props = { email_address: email, FNAME: 'Hal' };
    await send(ctx, [memberChange('hal', { newProperties: props, newGroups: ['VIP'] })]);
    writeTags(list, memberOf(list, email)!.id, [{ name: 'Partner', status: 'active' }]);

    // The planner turns a delete under additive into an update with no groups.
    const leave = memberChange('hal', {
      oldProperties: props,
      newProperties: props,
      oldGroups: ['VIP'],
    });
    expect(await send(ctx, [leave])).toEqual([{ profileId: 'hal', status: 'complete' }]);
    expect(memberOf(list, email)).toMatchObject({ status: 'subscribed' });
    expect(tagsOf(list, email)).toEqual(['Partner']);

    const rejoin = memberChange('hal', {
      oldProperties: props,
      newProperties: props,
      newGroups: ['VIP'],
    });
    await send(ctx, [rejoin]);
    expect(tagsOf(list, email)).toEqual(['Partner', 'VIP']);
  });

  it('archives the member on delete, by the email last sent, and can add it again later', async () => {
    const list = fake.createList();
    const ctx = mailchimpContext(fake, list);
    const email = 'ivy@example.com';
    await send(ctx, [memberChange('ivy', { newGroups: ['VIP'] })]);

    const remove = memberChange('ivy', {
      toDelete: true,
      oldProperties: { email_address: email },
      newProperties: { email_address: 'ivy@elsewhere.example.com' },
      oldGroups: ['VIP'],
    });
    expect(await send(ctx, [remove])).toEqual([{ profileId: 'ivy', status: 'complete' }]);
    expect(memberOf(list, email)).toMatchObject({ status: 'archived', tags: [] });
    expect(fake.requests.some((r) => r.endsWith('/actions/delete-permanent'))).toBe(false);

    const again = memberChange('ivy', {
      newProperties: { email_address: email },
      newGroups: ['Buyers'],
    });
    expect(await send(ctx, [again])).toEqual([{ profileId: 'ivy', status: 'complete' }]);
    expect(memberOf(list, email)).toMatchObject({ status: 'subscribed' });
    expect(tagsOf(list, email)).toEqual(['Buyers']);
  });

  it('counts deleting a member Mailchimp does not have, or has archived, as done', async () => {
    const list = fake.createList();
    const ctx = mailchimpContext(fake, list);
    await send(ctx, [memberChange('kim')]);
    memberOf(list, 'kim@example.com')!.status = 'archived';
    const gone = (profileId: string) =>
      memberChange(profileId, {
        toDelete: true,
        oldProperties: { email_address: `${profileId}@example.com` },
        oldGroups: ['VIP'],
      });

    expect(await send(ctx, [gone('jo'), gone('kim')])).toEqual([
      { profileId: 'jo', status: 'complete' },
      { profileId: 'kim', status: 'complete' },
    ]);
  });

  it('refuses a delete when the sync mode never deletes', async () => {
    const list = fake.createList();
    const ctx = mailchimpContext(fake, list, 'additive');
    await send(ctx, [memberChange('lu')]);
    const remove = memberChange('lu', {
      toDelete: true,
      oldProperties: { email_address: 'lu@example.com' },
    });

    const [outcome] = await send(ctx, [remove]);
    expect(outcome).toMatchObject({ status: 'failed', level: 'info' });
    expect(memberOf(list, 'lu@example.com')).toMatchObject({ status: 'subscribed' });
  });
});
