import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brazeConnector } from '../../connectors/braze';
import { startFakeBraze, type FakeBraze } from '../fakes/braze';
import { brazeContext, uniqueId, userChange } from '../fakes/braze/fixtures';
import { track } from '../fakes/braze/state';

let fake: FakeBraze;

beforeAll(async () => {
  fake = await startFakeBraze();
});
afterAll(async () => {
  await fake.close();
});

const send = brazeConnector.exportBatch.bind(brazeConnector);
const trackedFor = (id: string) =>
  fake.requests
    .filter((r) => r.path === '/users/track')
    .flatMap((r) => r.body.attributes as Record<string, unknown>[])
    .filter((a) => a.external_id === id);

describe('braze connector: subscription states', () => {
  it('sets the subscription states of a user it creates', async () => {
    const id = uniqueId('sue');
    const change = userChange('sue', {
      newProperties: { external_id: id, email_subscribe: 'opted_in', push_subscribe: 'subscribed' },
    });

    expect(await send(brazeContext(fake), [change])).toEqual([
      { profileId: 'sue', status: 'complete' },
    ]);
    expect(fake.users.get(id)!.standard).toEqual({
      email_subscribe: 'opted_in',
      push_subscribe: 'subscribed',
    });
  });

  it('never resets the subscription state of a user who unsubscribed in Braze', async () => {
    const id = uniqueId('una');
    const ctx = brazeContext(fake);
    const before = { external_id: id, first_name: 'Una', email_subscribe: 'opted_in' };
    await send(ctx, [userChange('una', { newProperties: before })]);
    // The person unsubscribes through a Braze email.
    fake.users.get(id)!.standard.email_subscribe = 'unsubscribed';

    const rename = userChange('una', {
      oldProperties: before,
      newProperties: { ...before, first_name: 'Unity' },
    });
    expect(await send(ctx, [rename])).toEqual([{ profileId: 'una', status: 'complete' }]);
    // The mapping loses the field: still not cleared.
    const unmapped = userChange('una', {
      oldProperties: { ...before, first_name: 'Unity' },
      newProperties: { external_id: id, first_name: 'Unity' },
    });
    expect(await send(ctx, [unmapped])).toEqual([{ profileId: 'una', status: 'complete' }]);

    expect(fake.users.get(id)!.standard).toEqual({
      first_name: 'Unity',
      email_subscribe: 'unsubscribed',
    });
    expect(trackedFor(id).slice(1)).toEqual([
      { external_id: id, first_name: 'Unity' },
      { external_id: id, first_name: 'Unity' },
    ]);
  });

  it('leaves the subscription state of a user Braze held before the first export', async () => {
    const id = uniqueId('vic');
    // Created by the app's Braze SDK, unsubscribed there, before Outflow ever exported.
    track(fake.users, [{ external_id: id, email_subscribe: 'unsubscribed' }]);
    const first = userChange('vic', {
      newProperties: { external_id: id, first_name: 'Vic', email_subscribe: 'opted_in' },
    });

    expect(await send(brazeContext(fake), [first])).toEqual([
      { profileId: 'vic', status: 'complete' },
    ]);
    expect(fake.users.get(id)!.standard).toEqual({
      first_name: 'Vic',
      email_subscribe: 'unsubscribed',
    });
  });

  it('retries only the profiles that needed the look-up when it fails', async () => {
    const [plain, fresh] = [uniqueId('wes'), uniqueId('xia')];
    fake.failNext(1, 503);
    const outcomes = await send(brazeContext(fake), [
      userChange('wes', { newProperties: { external_id: plain, first_name: 'Wes' } }),
      userChange('xia', { newProperties: { external_id: fresh, email_subscribe: 'opted_in' } }),
    ]);

    expect(outcomes).toEqual([
      { profileId: 'wes', status: 'complete' },
      expect.objectContaining({
        profileId: 'xia',
        status: 'retry',
        message: expect.stringContaining('look up users'),
      }),
    ]);
    expect(fake.users.has(plain)).toBe(true);
    expect(fake.users.has(fresh)).toBe(false);
  });
});
