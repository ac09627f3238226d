import { beforeAll, describe, expect, it } from 'vitest';
import { dryRun } from '../../api/preview';
import { loadDestination } from '../../activities/load';
import { eq } from 'drizzle-orm';
import { destinationProfiles, destinations, exports } from '../../db/schema';
import type { RemoteProperties } from '../../lib/domain';
import {
  createDestination,
  createGroup,
  deleteProfile,
  ensureProperties,
  exportsOf,
  keys,
  uid,
  upsertProfile,
  values,
} from '../helpers/fixtures';
import { createTestConnector, type TestConnector } from '../helpers/test-connector';
import { testApi } from './harness';

let api: Awaited<ReturnType<typeof testApi>>;
let remote: TestConnector;

beforeAll(async () => {
  api = await testApi();
  await ensureProperties(api.db);
  remote = createTestConnector();
});

/** Records a complete export as the profile's baseline, as a finished export would. */
async function exported(
  destinationId: string,
  profileId: string,
  sent: RemoteProperties,
  groups: string[] = [],
) {
  const [row] = await api.db
    .insert(exports)
    .values({
      destinationId,
      profileId,
      configVersion: 1,
      state: 'complete',
      newProperties: sent,
      newGroups: groups,
      completedAt: new Date(),
    })
    .returning();
  await api.db
    .insert(destinationProfiles)
    .values({ destinationId, profileId, baselineExportId: row!.id, present: true });
}

/** A destination tracking a fresh group, mapped to the remote tag `VIP`. */
async function vipDestination() {
  const groupId = await createGroup(api.db, 'VIP');
  const id = await createDestination(api.db, {
    type: remote.type,
    collection: 'group',
    groupId,
    groupMapping: { [groupId]: 'VIP' },
  });
  return { id, groupId };
}

const preview = (destinationId: string, profileId: string) =>
  api.call('GET', `/destinations/${destinationId}/preview?profileId=${profileId}`);

describe('GET /destinations/{id}/preview', () => {
  it('shows a create with the mapped values and groups of a profile never exported', async () => {
    const { id, groupId } = await vipDestination();
    const profileId = uid('prf');
    await upsertProfile(api.db, profileId, values({ email: 'ada@example.com', name: 'Ada' }), [
      groupId,
    ]);

    const res = await preview(id, profileId);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      operation: 'create',
      oldProperties: {},
      newProperties: { external_id: 'ada@example.com', name: 'Ada' },
      oldGroups: [],
      newGroups: ['VIP'],
      baselineExportId: null,
    });
  });

  it('shows an update with the old values taken from the baseline', async () => {
    const { id, groupId } = await vipDestination();
    const profileId = uid('prf');
    await upsertProfile(api.db, profileId, values({ email: 'bo@example.com', name: 'Bo' }), [
      groupId,
    ]);
    await exported(id, profileId, { external_id: 'bo@example.com', name: 'Bob' }, ['VIP']);

    const res = await preview(id, profileId);

    expect(res.body).toMatchObject({
      operation: 'update',
      oldProperties: { external_id: 'bo@example.com', name: 'Bob' },
      newProperties: { external_id: 'bo@example.com', name: 'Bo' },
      oldGroups: ['VIP'],
      newGroups: ['VIP'],
    });
  });

  it('shows none when the remote already holds the same values and groups', async () => {
    const { id, groupId } = await vipDestination();
    const profileId = uid('prf');
    await upsertProfile(api.db, profileId, values({ email: 'cy@example.com' }), [groupId]);
    await exported(id, profileId, { external_id: 'cy@example.com' }, ['VIP']);

    const res = await preview(id, profileId);

    expect(res.body).toMatchObject({ operation: 'none' });
    expect(res.body.reason).toMatch(/already has/);
  });

  it('shows a delete for an exported profile that left the tracked group', async () => {
    const { id } = await vipDestination();
    const profileId = uid('prf');
    await upsertProfile(api.db, profileId, values({ email: 'di@example.com' }), []);
    await exported(id, profileId, { external_id: 'di@example.com' }, ['VIP']);

    const res = await preview(id, profileId);

    expect(res.body).toMatchObject({
      operation: 'delete',
      toDelete: true,
      newProperties: { external_id: 'di@example.com' },
      newGroups: [],
    });
  });

  it('shows skip for a profile outside the collection that was never exported', async () => {
    const { id } = await vipDestination();
    const profileId = uid('prf');
    await upsertProfile(api.db, profileId, values({ email: 'ed@example.com' }), []);

    const res = await preview(id, profileId);

    expect(res.body).toMatchObject({ operation: 'skip', newProperties: {} });
  });

  it('shows fail, naming the field, for a profile without the identifier the tool requires', async () => {
    const { id, groupId } = await vipDestination();
    const profileId = uid('prf');
    await upsertProfile(api.db, profileId, values({ name: 'No email' }), [groupId]);

    const res = await preview(id, profileId);

    expect(res.body).toMatchObject({
      operation: 'fail',
      reason: `no value for external_id, which this destination requires (mapped from the property ${keys.email})`,
    });
    expect((await api.call('GET', `/destinations/${id}/dry-run`)).body.failed).toBe(1);
  });

  it('writes no export and sends nothing', async () => {
    const { id, groupId } = await vipDestination();
    const profileId = uid('prf');
    await upsertProfile(api.db, profileId, values({ email: 'fi@example.com' }), [groupId]);
    const batchesBefore = remote.batches.length;

    await preview(id, profileId);

    expect(await exportsOf(api.db, id)).toEqual([]);
    expect(remote.batches.length).toBe(batchesBefore);
  });

  it('answers 404 for an unknown profile or destination', async () => {
    const { id } = await vipDestination();
    const unknownProfile = await preview(id, uid('nobody'));
    const unknownDestination = await preview(uid('nowhere'), uid('prf'));

    expect(unknownProfile.status).toBe(404);
    expect(unknownProfile.body.error.message).toMatch(/profile "nobody-/);
    expect(unknownDestination.status).toBe(404);
  });

  it('answers 409 for a deleted destination, as retry and pause do', async () => {
    const { id } = await vipDestination();
    await api.db.update(destinations).set({ deletedAt: new Date() }).where(eq(destinations.id, id));
    const res = await preview(id, uid('prf'));
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe(`destination "${id}" is deleted`);
    expect((await api.call('GET', `/destinations/${id}/dry-run`)).status).toBe(409);
  });

  it('rejects a request without profileId, naming the field', async () => {
    const { id } = await vipDestination();
    const res = await api.call('GET', `/destinations/${id}/preview`);

    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/profileId/);
  });
});

describe('GET /destinations/{id}/dry-run', () => {
  /** One profile per outcome, and one outside everything that must not be counted. */
  async function mixedDestination() {
    const { id, groupId } = await vipDestination();
    const [create, update, same, left, gone, outside] = ['c', 'u', 's', 'l', 'g', 'o'].map(uid);
    await upsertProfile(api.db, create!, values({ email: 'c@example.com' }), [groupId]);
    await upsertProfile(api.db, update!, values({ email: 'u@example.com', name: 'U' }), [groupId]);
    await exported(id, update!, { external_id: 'u@example.com' }, ['VIP']);
    await upsertProfile(api.db, same!, values({ email: 's@example.com' }), [groupId]);
    await exported(id, same!, { external_id: 's@example.com' }, ['VIP']);
    await upsertProfile(api.db, left!, values({ email: 'l@example.com' }), []);
    await exported(id, left!, { external_id: 'l@example.com' }, ['VIP']);
    await exported(id, gone!, { external_id: 'g@example.com' }, ['VIP']);
    await deleteProfile(api.db, gone!);
    await upsertProfile(api.db, outside!, values({ email: 'o@example.com' }), []);
    return id;
  }
  const expected = { evaluated: 5, creates: 1, updates: 1, deletes: 2, unchanged: 1, skipped: 0 };

  it('counts creates, updates, deletes and unchanged over the collection and the remote', async () => {
    const id = await mixedDestination();

    const res = await api.call('GET', `/destinations/${id}/dry-run`);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ destinationId: id, ...expected, failed: 0 });
    expect(await exportsOf(api.db, id)).toHaveLength(4); // only the baselines written above
  });

  it('gives the same counts when it reads one small page at a time', async () => {
    const id = await mixedDestination();
    const { destination, app } = (await loadDestination(api.db, id))!;

    expect(await dryRun(api.db, destination, app, 2)).toMatchObject(expected);
  });
});
