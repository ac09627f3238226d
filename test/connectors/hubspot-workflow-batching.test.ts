import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { destinations } from '../../db/schema';
import { pauseUpdate, resumeUpdate } from '../../workflows/definitions';
import { contactOf, listsOf, liveContacts } from '../fakes/hubspot/fixtures';
import { hubspotEngine, writtenInputs } from '../fakes/hubspot/engine';
import {
  createGroup,
  deleteProfile,
  exportsOf,
  outboxOf,
  uid,
  upsertProfile,
  values,
} from '../helpers/fixtures';
import { eventually } from '../helpers/worker';

const engine = hubspotEngine();
const { db } = engine;

describe('hubspot destination through the workflow: batching', () => {
  it('sends two changes of one profile in one batch as one input carrying the newest values', async () => {
    const [first, second] = [await createGroup(db, 'First'), await createGroup(db, 'Second')];
    const { destinationId, hs, handle } = await engine.destination({
      groupMapping: { [first]: 'First', [second]: 'Second' },
    });
    // Paused as the API does it (the row, then the update), so both changes meet in one batch.
    const setPaused = (paused: boolean) =>
      db.update(destinations).set({ paused }).where(eq(destinations.id, destinationId));
    await setPaused(true);
    await handle.executeUpdate(pauseUpdate);
    const id = uid('prf');
    const email = `${id}@example.com`;
    await upsertProfile(db, id, values({ email, name: 'Old' }), [first]);
    await engine.pass(destinationId, [id]);
    await upsertProfile(db, id, values({ email, name: 'New' }), [second]);
    await engine.pass(destinationId, [id]);
    await setPaused(false);
    await handle.executeUpdate(resumeUpdate);

    await eventually(async () => (await outboxOf(db, destinationId, [id])).length === 0);
    const rows = await exportsOf(db, destinationId, id);
    expect(rows.at(-1)).toMatchObject({ state: 'complete', attempts: 0 });
    expect(rows.filter((r) => r.state === 'failed')).toEqual([]);
    expect(writtenInputs(hs)).toEqual([{ properties: { email, firstname: 'New' } }]);
    expect(liveContacts(hs)).toHaveLength(1);
    expect(contactOf(hs, email)!.properties.firstname).toBe('New');
    // The older change's group was never sent: its list was not even created.
    expect(listsOf(hs, email)).toEqual(['Second']);
    expect(hs.state.listByName('First')).toBeUndefined();
  });

  it('makes no call for profiles that leave before they were ever exported', async () => {
    const groupId = await createGroup(db, 'Members');
    const { destinationId, hs } = await engine.destination({ collection: 'group', groupId });
    const [member, outsider, deleted] = [uid('prf'), uid('prf'), uid('prf')];
    await upsertProfile(db, member, values({ email: `${member}@example.com` }), [groupId]);
    await upsertProfile(db, outsider, values({ email: `${outsider}@example.com` }));
    // Created and deleted before any export: the outbox still names it.
    await upsertProfile(db, deleted, values({ email: `${deleted}@example.com` }), [groupId]);
    await deleteProfile(db, deleted);
    await engine.pass(destinationId, [member, outsider, deleted]);

    const [done] = await engine.settled(destinationId, member, 1);
    expect(done).toMatchObject({ state: 'complete' });
    await eventually(async () => (await outboxOf(db, destinationId)).length === 0);
    for (const id of [outsider, deleted]) {
      expect(await exportsOf(db, destinationId, id)).toEqual([]);
      expect(JSON.stringify(hs.requests)).not.toContain(id);
    }
    expect(hs.requests.filter((r) => r.path.endsWith('/batch/archive'))).toEqual([]);
    expect(liveContacts(hs).map((c) => c.properties.email)).toEqual([`${member}@example.com`]);
  });
});
