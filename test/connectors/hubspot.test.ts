import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotConnector } from '../../connectors/hubspot';
import { startFakeHubspot, type FakeHubspot } from '../fakes/hubspot';
import {
  contactChange,
  contactOf,
  hubspotContext,
  listsOf,
  liveContacts,
} from '../fakes/hubspot/fixtures';

let fake: FakeHubspot;

beforeAll(async () => {
  fake = await startFakeHubspot();
});
afterAll(async () => {
  await fake.close();
});

const send = hubspotConnector.exportBatch.bind(hubspotConnector);

describe('hubspot connector: contacts', () => {
  it('creates a contact with its mapped properties and lists', async () => {
    const change = contactChange('ana', {
      newProperties: {
        email: 'Ana@Example.com',
        firstname: 'Ana',
        ltv: 12.5,
        vip: true,
        birthday: '1990-04-02T00:00:00.000Z',
      },
      newGroups: ['High Value'],
    });

    expect(await send(hubspotContext(fake), [change])).toEqual([
      { profileId: 'ana', status: 'complete' },
    ]);
    expect(contactOf(fake, 'ana@example.com')!.properties).toEqual({
      email: 'Ana@Example.com',
      firstname: 'Ana',
      ltv: '12.5',
      vip: 'true',
      birthday: '1990-04-02',
    });
    expect(listsOf(fake, 'ana@example.com')).toEqual(['High Value']);
  });

  it('clears fields no longer sent and leaves properties it does not map', async () => {
    const ctx = hubspotContext(fake);
    const email = 'bo@example.com';
    const before = { email, firstname: 'Bo', lastname: 'Li' };
    await send(ctx, [contactChange('bo', { newProperties: before })]);
    contactOf(fake, email)!.properties.company = 'Acme';

    const update = contactChange('bo', {
      oldProperties: before,
      newProperties: { email, firstname: 'Bob' },
    });
    expect(await send(ctx, [update])).toEqual([{ profileId: 'bo', status: 'complete' }]);
    expect(contactOf(fake, email)!.properties).toEqual({
      email,
      firstname: 'Bob',
      company: 'Acme',
    });
  });

  it('renames the contact in place when the email changes', async () => {
    const ctx = hubspotContext(fake);
    const before = { email: 'cy@example.com', firstname: 'Cy' };
    await send(ctx, [contactChange('cy', { newProperties: before, newGroups: ['VIP'] })]);
    const id = contactOf(fake, 'cy@example.com')!.id;
    const count = liveContacts(fake).length;

    const rename = contactChange('cy', {
      oldProperties: before,
      newProperties: { email: 'cy.new@example.com', firstname: 'Cy' },
      oldGroups: ['VIP'],
      newGroups: ['VIP'],
    });
    expect(await send(ctx, [rename])).toEqual([{ profileId: 'cy', status: 'complete' }]);
    expect(contactOf(fake, 'cy@example.com')).toBeUndefined();
    expect(contactOf(fake, 'cy.new@example.com')!.id).toBe(id);
    expect(liveContacts(fake)).toHaveLength(count);
    expect(listsOf(fake, 'cy.new@example.com')).toEqual(['VIP']);
  });

  it('updates the existing contact of the new email and takes our lists off the old one', async () => {
    const ctx = hubspotContext(fake);
    const old = { email: 'dee@example.com' };
    await send(ctx, [contactChange('dee', { newProperties: old, newGroups: ['VIP'] })]);
    await send(ctx, [contactChange('other', { newProperties: { email: 'dee@work.example.com' } })]);
    const theirs = fake.state.addList('Webinar 2024');
    theirs.members.add(contactOf(fake, 'dee@example.com')!.id);

    const change = contactChange('dee', {
      oldProperties: old,
      newProperties: { email: 'dee@work.example.com', firstname: 'Dee' },
      oldGroups: ['VIP'],
      newGroups: ['VIP', 'Buyers'],
    });
    expect(await send(ctx, [change])).toEqual([{ profileId: 'dee', status: 'complete' }]);
    expect(contactOf(fake, 'dee@example.com')).toBeDefined();
    expect(listsOf(fake, 'dee@example.com')).toEqual(['Webinar 2024']);
    expect(listsOf(fake, 'dee@work.example.com')).toEqual(['Buyers', 'VIP']);
    expect(contactOf(fake, 'dee@work.example.com')!.properties.firstname).toBe('Dee');
  });

  it('refuses to create a contact in enrich mode but updates an existing one', async () => {
    await send(hubspotContext(fake), [contactChange('ed')]);
    const update = contactChange('ed', {
      newProperties: { email: 'ed@example.com', firstname: 'Ed' },
    });

    const outcomes = await send(hubspotContext(fake, 'enrich'), [update, contactChange('fay')]);
    expect(outcomes).toEqual([
      { profileId: 'ed', status: 'complete' },
      expect.objectContaining({ profileId: 'fay', status: 'failed', level: 'info' }),
    ]);
    expect(contactOf(fake, 'ed@example.com')!.properties.firstname).toBe('Ed');
    expect(contactOf(fake, 'fay@example.com')).toBeUndefined();
  });

  it('reads writable contact properties as mapping options', async () => {
    const options = await hubspotConnector.mappingOptions(hubspotContext(fake));
    const byKey = Object.fromEntries(options.known.map((f) => [f.key, f.type]));

    expect(options.required).toEqual([{ key: 'email', type: 'email', important: true }]);
    expect(byKey).toMatchObject({
      email: 'email',
      firstname: 'string',
      lifecyclestage: 'string',
      phone: 'phone',
      ltv: 'float',
      birthday: 'date',
      vip: 'boolean',
    });
    expect(byKey).not.toHaveProperty('createdate');
    expect(byKey).not.toHaveProperty('num_notes');
    expect(options.allowCustomFields).toBe(false);
  });

  it('tests the app with an authenticated read and reports a wrong token', async () => {
    const good = hubspotContext(fake).appOptions;

    await expect(hubspotConnector.app.test(good)).resolves.toMatchObject({ ok: true });
    const wrong = await hubspotConnector.app.test({ ...good, accessToken: 'pat-na1-wrong' });
    expect(wrong).toEqual({ ok: false, message: expect.stringContaining('401') });
  });
});
