import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotConnector } from '../../connectors/hubspot';
import { startFakeHubspot, type FakeHubspot } from '../fakes/hubspot';
import { contactChange, contactOf, hubspotContext, listsOf } from '../fakes/hubspot/fixtures';

let fake: FakeHubspot;

beforeAll(async () => {
  fake = await startFakeHubspot();
});
afterAll(async () => {
  await fake.close();
});

const send = hubspotConnector.exportBatch.bind(hubspotConnector);

describe('hubspot connector: lists and deletes', () => {
  it('adds new groups, removes left ones and leaves lists someone else manages', async () => {
    const ctx = hubspotContext(fake, 'sync', { listPrefix: 'Outflow: ' });
    const email = 'gil@example.com';
    await send(ctx, [contactChange('gil', { newGroups: ['VIP', 'Trial'] })]);
    fake.state.addList('Met at expo').members.add(contactOf(fake, email)!.id);

    const change = contactChange('gil', {
      oldProperties: { email },
      oldGroups: ['VIP', 'Trial'],
      newGroups: ['VIP', 'Buyers'],
    });
    expect(await send(ctx, [change])).toEqual([{ profileId: 'gil', status: 'complete' }]);
    expect(listsOf(fake, email)).toEqual(['Met at expo', 'Outflow: Buyers', 'Outflow: VIP']);
    expect(fake.state.listByName('Outflow: Buyers')!.processingType).toBe('MANUAL');
  });

  it('keeps the contact and removes only our lists when a profile leaves in additive mode', async () => {
    const ctx = hubspotContext(fake, 'additive');
    const email = 'hal@example.com';
    const props = { email, firstname: 'Hal' };
    await send(ctx, [contactChange('hal', { newProperties: props, newGroups: ['Gold'] })]);
    fake.state.addList('Partners').members.add(contactOf(fake, email)!.id);

    // The planner turns a delete under additive into an update with no groups.
    const leave = contactChange('hal', {
      oldProperties: props,
      newProperties: props,
      oldGroups: ['Gold'],
    });
    expect(await send(ctx, [leave])).toEqual([{ profileId: 'hal', status: 'complete' }]);
    expect(contactOf(fake, email)!.properties.firstname).toBe('Hal');
    expect(listsOf(fake, email)).toEqual(['Partners']);

    const rejoin = contactChange('hal', {
      oldProperties: props,
      newProperties: props,
      newGroups: ['Gold'],
    });
    expect(await send(ctx, [rejoin])).toEqual([{ profileId: 'hal', status: 'complete' }]);
    expect(listsOf(fake, email)).toEqual(['Gold', 'Partners']);
  });

  it('deletes by the email last sent, counts an unknown contact as done, and can create it again', async () => {
    const ctx = hubspotContext(fake);
    const sent = { email: 'ivy@example.com', firstname: 'Ivy' };
    await send(ctx, [contactChange('ivy', { newProperties: sent, newGroups: ['Silver'] })]);
    const firstId = contactOf(fake, 'ivy@example.com')!.id;

    // The profile's email changed after the last export: the delete uses the one HubSpot has.
    const remove = contactChange('ivy', {
      toDelete: true,
      oldProperties: sent,
      newProperties: { email: 'ivy.other@example.com' },
      oldGroups: ['Silver'],
    });
    const unknown = contactChange('jon', {
      toDelete: true,
      oldProperties: { email: 'jon@example.com' },
    });
    expect(await send(ctx, [remove, unknown])).toEqual([
      { profileId: 'ivy', status: 'complete' },
      { profileId: 'jon', status: 'complete' },
    ]);
    expect(contactOf(fake, 'ivy@example.com')).toBeUndefined();
    expect(fake.state.contacts.get(firstId)!.archived).toBe(true);

    const again = contactChange('ivy', { newProperties: sent, newGroups: ['Silver'] });
    expect(await send(ctx, [again])).toEqual([{ profileId: 'ivy', status: 'complete' }]);
    expect(contactOf(fake, 'ivy@example.com')!.id).not.toBe(firstId);
    expect(listsOf(fake, 'ivy@example.com')).toEqual(['Silver']);
  });

  it('never deletes outside sync mode', async () => {
    const ctx = hubspotContext(fake);
    await send(ctx, [contactChange('kim')]);
    const remove = contactChange('kim', {
      toDelete: true,
      oldProperties: { email: 'kim@example.com' },
    });

    const [outcome] = await send(hubspotContext(fake, 'additive'), [remove]);
    expect(outcome).toMatchObject({ status: 'failed', level: 'info' });
    expect(contactOf(fake, 'kim@example.com')).toBeDefined();
  });

  it('fails a group whose list is an active list, without touching it', async () => {
    const ctx = hubspotContext(fake);
    const active = fake.state.addList('Engaged (auto)', 'DYNAMIC');

    const [outcome] = await send(ctx, [contactChange('lea', { newGroups: ['Engaged (auto)'] })]);
    expect(outcome).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('active (DYNAMIC) list'),
    });
    expect(active.members.size).toBe(0);
    expect(contactOf(fake, 'lea@example.com')).toBeDefined();
  });
});
