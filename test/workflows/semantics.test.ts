import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb } from '../helpers/db';
import {
  createDestination,
  keys,
  values,
  createGroup,
  deleteProfile,
  ensureProperties,
  exportsOf,
  queue,
  uid,
  updateDestination,
  upsertProfile,
} from '../helpers/fixtures';
import { createTestConnector } from '../helpers/test-connector';
import {
  eventually,
  startDestinationWorkflow,
  startTestWorker,
  type TestWorker,
} from '../helpers/worker';
import { outboxChangedSignal, profilesChangedSignal } from '../../workflows/definitions';

const { db } = testDb();
let tw: TestWorker;

beforeAll(async () => {
  await ensureProperties(db);
  tw = await startTestWorker(db);
});
afterAll(() => tw?.stop());

/** Writes a profile change as the API does (outbox row) and signals the workflow. */
async function change(
  destinationId: string,
  id: string,
  v: Parameters<typeof values>[0] | null,
  groupIds: string[] = [],
) {
  if (v === null) await deleteProfile(db, id);
  else await upsertProfile(db, id, values(v), groupIds);
  await queue(db, destinationId, [id]);
  const handle = tw.client.workflow.getHandle(`destination:${destinationId}`);
  await handle.signal(profilesChangedSignal, { profileIds: [id] });
}

/** Waits until the profile's newest export is final and returns all its exports. */
async function settled(destinationId: string, profileId: string, count: number) {
  return eventually(async () => {
    const rows = await exportsOf(db, destinationId, profileId);
    const done = rows.filter((e) => ['complete', 'failed'].includes(e.state));
    return done.length >= count ? rows : null;
  });
}

describe('export semantics through the workflow', () => {
  it('sends only real differences after a mapping change', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    await startDestinationWorkflow(tw, destinationId);
    const withLtv = uid('prf');
    const withoutLtv = uid('prf');
    await change(destinationId, withLtv, { email: `${withLtv}@x.io`, name: 'A', ltv: 120.5 });
    await change(destinationId, withoutLtv, { email: `${withoutLtv}@x.io`, name: 'B' });
    await settled(destinationId, withLtv, 1);
    await settled(destinationId, withoutLtv, 1);

    // As the API does on a mapping change: bump, queue everyone present, wake the workflow.
    await updateDestination(db, destinationId, {
      mapping: { external_id: keys.email, name: keys.name, ltv: keys.ltv },
    });
    await queue(db, destinationId, [withLtv, withoutLtv]);
    await tw.client.workflow.getHandle(`destination:${destinationId}`).signal(outboxChangedSignal);

    const changed = await settled(destinationId, withLtv, 2);
    const same = await settled(destinationId, withoutLtv, 2);
    expect(changed.at(-1)).toMatchObject({ hasChanges: true, newProperties: { ltv: 120.5 } });
    expect(same.at(-1)).toMatchObject({ state: 'complete', hasChanges: false });
    expect(remote.sentFor(withLtv)).toHaveLength(2);
    expect(remote.sentFor(withoutLtv)).toHaveLength(1);
  });

  it('deletes the remote record when the profile leaves the group under sync', async () => {
    const remote = createTestConnector();
    const groupId = await createGroup(db, 'VIP');
    const destinationId = await createDestination(db, {
      type: remote.type,
      collection: 'group',
      groupId,
      groupMapping: { [groupId]: 'vip' },
    });
    await startDestinationWorkflow(tw, destinationId);
    const id = uid('prf');
    const profile = { email: `${id}@x.io`, name: 'A' };
    await change(destinationId, id, profile, [groupId]);
    await eventually(async () => remote.remote.get(`${id}@x.io`)?.groups[0] === 'vip');

    await change(destinationId, id, profile, []);
    const rows = await settled(destinationId, id, 2);
    expect(rows.at(-1)).toMatchObject({ toDelete: true, state: 'complete' });
    expect(remote.remote.has(`${id}@x.io`)).toBe(false);
  });

  it('keeps the remote record without our groups when the profile leaves under additive', async () => {
    const remote = createTestConnector();
    const groupId = await createGroup(db, 'VIP');
    const destinationId = await createDestination(db, {
      type: remote.type,
      collection: 'group',
      groupId,
      groupMapping: { [groupId]: 'vip' },
      syncMode: 'additive',
    });
    await startDestinationWorkflow(tw, destinationId);
    const id = uid('prf');
    const profile = { email: `${id}@x.io`, name: 'A' };
    await change(destinationId, id, profile, [groupId]);
    await settled(destinationId, id, 1);

    await change(destinationId, id, profile, []);
    const rows = await settled(destinationId, id, 2);
    expect(rows.at(-1)).toMatchObject({ toDelete: false, oldGroups: ['vip'], newGroups: [] });
    expect(remote.remote.get(`${id}@x.io`)).toEqual({
      properties: { external_id: `${id}@x.io`, name: 'A' },
      groups: [],
    });
  });

  it('deletes a deleted profile remotely by the identifier last sent', async () => {
    const remote = createTestConnector();
    const destinationId = await createDestination(db, { type: remote.type });
    await startDestinationWorkflow(tw, destinationId);
    const id = uid('prf');
    await change(destinationId, id, { email: `${id}@x.io`, name: 'A' });
    await settled(destinationId, id, 1);

    await change(destinationId, id, null);
    const rows = await settled(destinationId, id, 2);
    expect(rows.at(-1)).toMatchObject({
      toDelete: true,
      newProperties: { external_id: `${id}@x.io` },
    });
    expect(remote.remote.has(`${id}@x.io`)).toBe(false);
  });
});
