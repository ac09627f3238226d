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

describe('braze connector: groups and deletes', () => {
  it('adds new groups and removes left ones, leaving values someone else added', async () => {
    const id = uniqueId('gil');
    const ctx = brazeContext(fake);
    await send(ctx, [
      userChange('gil', { newProperties: { external_id: id }, newGroups: ['VIP', 'Trial'] }),
    ]);
    (customOf(fake, id)!.outflow_groups as string[]).push('Partner');

    const change = userChange('gil', {
      oldProperties: { external_id: id },
      newProperties: { external_id: id },
      oldGroups: ['VIP', 'Trial'],
      newGroups: ['VIP', 'Buyers'],
    });
    expect(await send(ctx, [change])).toEqual([{ profileId: 'gil', status: 'complete' }]);
    expect(customOf(fake, id)!.outflow_groups).toEqual(['VIP', 'Partner', 'Buyers']);
    const sent = fake.requests.at(-1)!.body.attributes as Record<string, unknown>[];
    expect(sent[0]!.outflow_groups).toEqual({ add: ['Buyers'], remove: ['Trial'] });
  });

  it('keeps the user and removes only our groups when a profile leaves in additive mode', async () => {
    const id = uniqueId('hal');
    const ctx = brazeContext(fake, 'additive', 'segments');
    const props = { external_id: id, first_name: 'Hal' };
    await send(ctx, [userChange('hal', { newProperties: props, newGroups: ['VIP'] })]);
    customOf(fake, id)!.segments = ['VIP', 'Partner'];
    customOf(fake, id)!.tier = 'gold';

    // The planner turns a delete under additive into an update with no groups.
    const leave = userChange('hal', {
      oldProperties: props,
      newProperties: props,
      oldGroups: ['VIP'],
    });
    expect(await send(ctx, [leave])).toEqual([{ profileId: 'hal', status: 'complete' }]);
    expect(fake.users.get(id)!.standard).toEqual({ first_name: 'Hal' });
    expect(customOf(fake, id)).toEqual({ segments: ['Partner'], tier: 'gold' });

    const rejoin = userChange('hal', {
      oldProperties: props,
      newProperties: props,
      newGroups: ['VIP'],
    });
    await send(ctx, [rejoin]);
    expect(customOf(fake, id)!.segments).toEqual(['Partner', 'VIP']);
  });

  it('deletes by the external id last sent and can create the user again later', async () => {
    const id = uniqueId('ivy');
    const ctx = brazeContext(fake);
    await send(ctx, [
      userChange('ivy', { newProperties: { external_id: id }, newGroups: ['VIP'] }),
    ]);
    const firstBrazeId = fake.users.get(id)!.braze_id;

    const remove = userChange('ivy', {
      toDelete: true,
      oldProperties: { external_id: id },
      newProperties: { external_id: `${id}-changed` },
      oldGroups: ['VIP'],
    });
    expect(await send(ctx, [remove])).toEqual([{ profileId: 'ivy', status: 'complete' }]);
    expect(fake.requests.at(-1)).toEqual({ path: '/users/delete', body: { external_ids: [id] } });
    expect(fake.users.has(id)).toBe(false);

    const again = userChange('ivy', { newProperties: { external_id: id }, newGroups: ['Buyers'] });
    expect(await send(ctx, [again])).toEqual([{ profileId: 'ivy', status: 'complete' }]);
    expect(fake.users.get(id)!.braze_id).not.toBe(firstBrazeId);
    expect(customOf(fake, id)!.outflow_groups).toEqual(['Buyers']);
  });

  it('deletes before creating when a batch deletes and creates one external id', async () => {
    // Latency keeps requests open long enough for two at once to show in the fake's counter.
    const slow = await startFakeBraze({ latencyMs: 30 });
    try {
      const id = uniqueId('kai');
      const ctx = brazeContext(slow);
      await send(ctx, [
        userChange('old', { newProperties: { external_id: id, first_name: 'Old' } }),
      ]);
      const firstBrazeId = slow.users.get(id)!.braze_id;

      // A new profile takes the id in the same batch that deletes the old profile's user.
      const create = userChange('new', { newProperties: { external_id: id, first_name: 'New' } });
      const remove = userChange('old', { toDelete: true, oldProperties: { external_id: id } });
      expect(await send(ctx, [create, remove])).toEqual([
        { profileId: 'new', status: 'complete' },
        { profileId: 'old', status: 'complete' },
      ]);
      expect(slow.users.get(id)).toMatchObject({ standard: { first_name: 'New' } });
      expect(slow.users.get(id)!.braze_id).not.toBe(firstBrazeId);
      expect(slow.requests.slice(1).map((r) => r.path)).toEqual(['/users/delete', '/users/track']);
      expect(slow.peakFor(id)).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('counts deleting a user Braze does not have as done', async () => {
    const gone = userChange('jo', {
      toDelete: true,
      oldProperties: { external_id: uniqueId('jo') },
    });
    expect(await send(brazeContext(fake), [gone])).toEqual([
      { profileId: 'jo', status: 'complete' },
    ]);
  });

  it('deletes 120 users in requests of at most 50 ids', async () => {
    const ctx = brazeContext(fake);
    const ids = Array.from({ length: 120 }, (_, i) => uniqueId(`d${i}`));
    for (let i = 0; i < ids.length; i += 75) {
      const slice = ids.slice(i, i + 75);
      await send(
        ctx,
        slice.map((id) => userChange(id, { newProperties: { external_id: id } })),
      );
    }
    const before = fake.requests.length;

    const removes = ids.map((id) =>
      userChange(id, { toDelete: true, oldProperties: { external_id: id } }),
    );
    const outcomes = await send(ctx, removes);
    expect(outcomes.every((o) => o.status === 'complete')).toBe(true);
    const sizes = fake.requests.slice(before).map((r) => (r.body.external_ids as string[]).length);
    expect(sizes.sort()).toEqual([20, 50, 50]);
    expect(ids.some((id) => fake.users.has(id))).toBe(false);
  });

  it('refuses a delete when the sync mode never deletes', async () => {
    const id = uniqueId('lu');
    const ctx = brazeContext(fake, 'additive');
    await send(ctx, [userChange('lu', { newProperties: { external_id: id } })]);
    const remove = userChange('lu', { toDelete: true, oldProperties: { external_id: id } });

    const [outcome] = await send(ctx, [remove]);
    expect(outcome).toMatchObject({ status: 'failed', level: 'info' });
    expect(fake.users.has(id)).toBe(true);
  });
});
