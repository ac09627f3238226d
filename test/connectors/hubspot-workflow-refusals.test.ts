import { describe, expect, it } from 'vitest';
import { contactOf, listsOf, liveContacts } from '../fakes/hubspot/fixtures';
import { hubspotEngine, writtenInputs } from '../fakes/hubspot/engine';
import { createGroup, outboxOf, uid, upsertProfile, values } from '../helpers/fixtures';

const engine = hubspotEngine();
const { db } = engine;

describe('hubspot destination through the workflow: refusals and statuses', () => {
  it('keeps a subscription status someone else set when it updates the contact', async () => {
    const { destinationId, hs } = await engine.destination();
    const id = uid('prf');
    const email = `${id}@example.com`;
    await upsertProfile(db, id, values({ email, name: 'Una' }));
    await engine.pass(destinationId, [id]);
    expect((await engine.settled(destinationId, id, 1))[0]).toMatchObject({ state: 'complete' });
    // The contact unsubscribes from all email in HubSpot.
    contactOf(hs, email)!.properties.hs_email_optout = 'true';

    await upsertProfile(db, id, values({ email, name: 'Una Berg' }));
    await engine.pass(destinationId, [id]);
    expect((await engine.settled(destinationId, id, 2))[1]).toMatchObject({ state: 'complete' });
    expect(contactOf(hs, email)!.properties).toMatchObject({
      firstname: 'Una Berg',
      hs_email_optout: 'true',
    });
    // Outflow writes only mapped fields: never a status, not even on the create.
    const written = writtenInputs(hs).flatMap((input) => Object.keys(input.properties));
    expect([...new Set(written)].sort()).toEqual(['email', 'firstname']);
  });

  it('fails only the profile whose email HubSpot refuses, after one attempt, and completes the rest of the batch', async () => {
    const { destinationId, hs } = await engine.destination();
    const ids = Array.from({ length: 5 }, () => uid('prf'));
    // Outflow's own check accepts it; HubSpot's does not (an empty domain label).
    const bad = `${ids[2]}@example..com`;
    for (const id of ids) {
      const email = id === ids[2] ? bad : `${id}@example.com`;
      await upsertProfile(db, id, values({ email, name: 'Bo' }));
    }
    await engine.pass(destinationId, ids);

    for (const id of ids) {
      const [row] = await engine.settled(destinationId, id, 1);
      if (id !== ids[2]) expect(row).toMatchObject({ state: 'complete', attempts: 0 });
      else {
        expect(row).toMatchObject({
          state: 'failed',
          attempts: 1,
          errorLevel: 'error',
          errorMessage: expect.stringContaining(`Email address ${bad} is invalid`),
        });
      }
    }
    expect(await outboxOf(db, destinationId, ids)).toEqual([]);
    expect(liveContacts(hs)).toHaveLength(4);
    // HubSpot refused the whole batch; halves were resent until the culprit stood alone, once.
    type Inputs = { inputs: { properties: Record<string, string> }[] };
    const inputsOf = (r: { body: unknown }) => (r.body as Inputs).inputs;
    const creates = hs.requests.filter((r) => r.path.endsWith('/batch/create'));
    const withBad = creates.filter((r) => inputsOf(r).some((i) => i.properties.email === bad));
    expect(inputsOf(withBad[0]!)).toHaveLength(5);
    expect(withBad.every((r) => r.status === 400)).toBe(true);
    expect(withBad.filter((r) => inputsOf(r).length === 1)).toHaveLength(1);
    expect(inputsOf(withBad.at(-1)!)).toHaveLength(1);
  });

  it('retries only the failed profile on a later pass with no data change', async () => {
    const groupId = await createGroup(db, 'Engaged');
    const { destinationId, hs } = await engine.destination({
      groupMapping: { [groupId]: 'Engaged' },
    });
    // The marketer's list of that name is an active list, which HubSpot fills itself.
    const list = hs.state.addList('Engaged', 'DYNAMIC');
    const [a, b, c] = [uid('prf'), uid('prf'), uid('prf')];
    await upsertProfile(db, a, values({ email: `${a}@example.com`, name: 'A' }));
    await upsertProfile(db, b, values({ email: `${b}@example.com`, name: 'B' }), [groupId]);
    await upsertProfile(db, c, values({ email: `${c}@example.com`, name: 'C' }));
    await engine.pass(destinationId, [a, b, c]);
    expect((await engine.settled(destinationId, b, 1))[0]).toMatchObject({
      state: 'failed',
      attempts: 1,
      errorMessage: expect.stringContaining('active (DYNAMIC) list'),
    });
    for (const id of [a, c]) {
      expect((await engine.settled(destinationId, id, 1))[0]).toMatchObject({ state: 'complete' });
    }

    // The marketer makes it a static list; nothing changes in Outflow's data.
    list.processingType = 'MANUAL';
    const from = hs.requests.length;
    await engine.pass(destinationId, [a, b, c]);

    const [failed, retried] = await engine.settled(destinationId, b, 2);
    expect(failed).toMatchObject({ state: 'failed', attempts: 1 });
    expect(retried).toMatchObject({ state: 'complete', hasChanges: true });
    for (const id of [a, c]) {
      const [, again] = await engine.settled(destinationId, id, 2);
      expect(again).toMatchObject({ state: 'complete', hasChanges: false });
    }
    expect(writtenInputs(hs, from).map((i) => i.properties.email)).toEqual([`${b}@example.com`]);
    expect(listsOf(hs, `${b}@example.com`)).toEqual(['Engaged']);
  });
});
