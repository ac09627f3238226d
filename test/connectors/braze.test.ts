import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brazeConnector } from '../../connectors/braze';
import { startFakeBraze, type FakeBraze } from '../fakes/braze';
import { brazeContext, customOf, uniqueId, userChange } from '../fakes/braze/fixtures';

let fake: FakeBraze;

beforeAll(async () => {
  fake = await startFakeBraze();
});
afterAll(async () => {
  await fake.close();
});

const send = brazeConnector.exportBatch.bind(brazeConnector);

describe('braze connector: users', () => {
  it('creates a user with standard and custom attributes and our groups', async () => {
    const id = uniqueId('ana');
    const change = userChange('ana', {
      newProperties: { external_id: id, email: 'ana@example.com', first_name: 'Ana', ltv: 12.5 },
      newGroups: ['High Value'],
    });

    expect(await send(brazeContext(fake), [change])).toEqual([
      { profileId: 'ana', status: 'complete' },
    ]);
    const user = fake.users.get(id)!;
    expect(user.standard).toEqual({ email: 'ana@example.com', first_name: 'Ana' });
    expect(user.custom_attributes).toEqual({ ltv: 12.5, outflow_groups: ['High Value'] });
    const track = fake.requests.find((r) => r.path === '/users/track');
    expect(track?.body.attributes).toEqual([expect.objectContaining({ external_id: id })]);
  });

  it('clears fields that are no longer sent by setting them to null', async () => {
    const id = uniqueId('bo');
    const before = { external_id: id, first_name: 'Bo', last_name: 'Li', plan: 'pro' };
    const ctx = brazeContext(fake);
    await send(ctx, [userChange('bo', { newProperties: before })]);

    const update = userChange('bo', {
      oldProperties: before,
      newProperties: { external_id: id, first_name: 'Bob' },
    });
    expect(await send(ctx, [update])).toEqual([{ profileId: 'bo', status: 'complete' }]);
    const sent = fake.requests.at(-1)!.body.attributes as Record<string, unknown>[];
    expect(sent[0]).toMatchObject({ last_name: null, plan: null, first_name: 'Bob' });
    expect(fake.users.get(id)!.standard).toEqual({ first_name: 'Bob' });
    expect(customOf(fake, id)).toEqual({});
  });

  it('renames the user when the external id changes, keeping the same Braze user', async () => {
    const a = uniqueId('cy');
    const b = uniqueId('cy-new');
    const ctx = brazeContext(fake);
    await send(ctx, [userChange('cy', { newProperties: { external_id: a }, newGroups: ['VIP'] })]);
    const brazeId = fake.users.get(a)!.braze_id;
    customOf(fake, a)!.app_version = '3.1';

    const move = userChange('cy', {
      oldProperties: { external_id: a },
      newProperties: { external_id: b, first_name: 'Cy' },
      oldGroups: ['VIP'],
      newGroups: ['VIP', 'Buyers'],
    });
    expect(await send(ctx, [move])).toEqual([{ profileId: 'cy', status: 'complete' }]);
    expect(fake.users.has(a)).toBe(false);
    expect(fake.users.get(b)).toMatchObject({ braze_id: brazeId, standard: { first_name: 'Cy' } });
    expect(customOf(fake, b)).toEqual({ app_version: '3.1', outflow_groups: ['VIP', 'Buyers'] });
  });

  it('takes our groups off the old user when the new external id already exists', async () => {
    const a = uniqueId('dee');
    const b = uniqueId('dee-work');
    const ctx = brazeContext(fake);
    await send(ctx, [userChange('dee', { newProperties: { external_id: a }, newGroups: ['VIP'] })]);
    await send(ctx, [userChange('other', { newProperties: { external_id: b, first_name: 'D' } })]);
    customOf(fake, a)!.outflow_groups = ['VIP', 'Met at expo'];

    const move = userChange('dee', {
      oldProperties: { external_id: a },
      newProperties: { external_id: b, first_name: 'Dee' },
      oldGroups: ['VIP'],
      newGroups: ['VIP'],
    });
    expect(await send(ctx, [move])).toEqual([{ profileId: 'dee', status: 'complete' }]);
    expect(customOf(fake, a)).toEqual({ outflow_groups: ['Met at expo'] });
    expect(fake.users.get(b)!.standard).toEqual({ first_name: 'Dee' });
    expect(customOf(fake, b)).toEqual({ outflow_groups: ['VIP'] });
  });

  it('fails only the profiles Braze refuses by index, completing the rest', async () => {
    const ids = [uniqueId('ok1'), uniqueId('bad'), uniqueId('ok2'), uniqueId('long')];
    const changes = [
      userChange('ok1', { newProperties: { external_id: ids[0]! } }),
      userChange('bad', { newProperties: { external_id: ids[1]!, email: 'not-an-email' } }),
      userChange('ok2', { newProperties: { external_id: ids[2]!, first_name: 'Ok' } }),
      userChange('long', { newProperties: { external_id: ids[3]!, bio: 'x'.repeat(300) } }),
    ];

    const outcomes = await send(brazeContext(fake), changes);
    expect(outcomes).toEqual([
      { profileId: 'ok1', status: 'complete' },
      {
        profileId: 'bad',
        status: 'failed',
        level: 'error',
        message: expect.stringContaining("Invalid email address 'not-an-email'"),
      },
      { profileId: 'ok2', status: 'complete' },
      expect.objectContaining({
        profileId: 'long',
        status: 'failed',
        message: expect.stringContaining("'bio' is longer than 255"),
      }),
    ]);
    expect(fake.users.has(ids[0]!) && fake.users.has(ids[2]!)).toBe(true);
    expect(fake.users.has(ids[1]!) || fake.users.has(ids[3]!)).toBe(false);
  });

  it('fails every profile with its own error when Braze refuses the whole request', async () => {
    const changes = ['x1', 'x2'].map((p) =>
      userChange(p, { newProperties: { external_id: uniqueId(p), email: `${p}-at-nowhere` } }),
    );
    const outcomes = await send(brazeContext(fake), changes);
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
    expect(outcomes[1]).toHaveProperty('message', expect.stringContaining('x2-at-nowhere'));
  });

  it('updates existing users in enrich mode and refuses to create missing ones', async () => {
    const known = uniqueId('ed');
    const missing = uniqueId('fay');
    await send(brazeContext(fake), [userChange('ed', { newProperties: { external_id: known } })]);

    const outcomes = await send(brazeContext(fake, 'enrich'), [
      userChange('ed', { newProperties: { external_id: known, first_name: 'Ed' } }),
      userChange('fay', { newProperties: { external_id: missing } }),
    ]);
    expect(outcomes).toEqual([
      { profileId: 'ed', status: 'complete' },
      expect.objectContaining({ profileId: 'fay', status: 'failed', level: 'info' }),
    ]);
    expect(fake.users.get(known)!.standard).toEqual({ first_name: 'Ed' });
    expect(fake.users.has(missing)).toBe(false);
  });

  it('fails a profile with no external id without calling Braze for it', async () => {
    const [outcome] = await send(brazeContext(fake), [
      userChange('gus', { newProperties: { first_name: 'Gus' } }),
    ]);
    expect(outcome).toMatchObject({ status: 'failed', message: 'no value for external_id' });
  });

  it('declares external_id as required and allows custom attributes with arrays', async () => {
    const options = await brazeConnector.mappingOptions(brazeContext(fake));
    expect(options.required).toEqual([{ key: 'external_id', type: 'string', important: true }]);
    expect(options.known).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'email', type: 'email' }),
        expect.objectContaining({ key: 'dob', type: 'date' }),
      ]),
    );
    expect(options).toMatchObject({ allowCustomFields: true, arrayFields: ['*'] });
  });

  it('tests the app with an authenticated call and reports a wrong key', async () => {
    const good = brazeContext(fake).appOptions;
    await expect(brazeConnector.app.test(good)).resolves.toMatchObject({ ok: true });
    await expect(brazeConnector.app.test({ ...good, apiKey: 'wrong' })).resolves.toEqual({
      ok: false,
      message: expect.stringContaining('401: Invalid API key'),
    });
  });

  it('adds https:// to a REST endpoint given without a scheme', () => {
    const parsed = brazeConnector.app.options.parse({
      apiKey: 'k',
      restEndpoint: 'rest.iad-01.braze.com/',
    });
    expect(parsed.restEndpoint).toBe('https://rest.iad-01.braze.com');
  });
});
