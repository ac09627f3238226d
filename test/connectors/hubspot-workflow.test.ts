import { describe, expect, it } from 'vitest';
import { contactOf, liveContacts } from '../fakes/hubspot/fixtures';
import { hubspotEngine } from '../fakes/hubspot/engine';
import { exportsOf, outboxOf, uid, upsertProfile, values } from '../helpers/fixtures';
import { eventually } from '../helpers/worker';

const engine = hubspotEngine();
const { db } = engine;

async function change(destinationId: string, id: string, v: Parameters<typeof values>[0]) {
  await upsertProfile(db, id, values(v));
  await engine.pass(destinationId, [id]);
}

describe('hubspot destination through the workflow: rate limits', () => {
  it('completes after six 429s in a row, waiting the window HubSpot reports, without using up attempts', async () => {
    // Far longer than the engine's backoff (200 ms) plus a batch's overhead: only the headers
    // (no Retry-After) ask for it.
    const { destinationId, hs } = await engine.destination({ fake: { windowMs: 2000 } });
    hs.rateLimitNext(6, { pathPrefix: '/crm/v3/objects/contacts/batch' });
    const id = uid('prf');
    await change(destinationId, id, { email: `${id}@example.com`, name: 'Rae' });

    const [done] = await engine.settled(destinationId, id, 1, 60_000);
    expect(done).toMatchObject({ state: 'complete', attempts: 0 });
    const reads = hs.requests.filter((r) => r.path.endsWith('/batch/read'));
    expect(reads.map((r) => r.status)).toEqual([429, 429, 429, 429, 429, 429, 207]);
    const gaps = reads.slice(1).map((r, i) => r.at - reads[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2000);
    // Nothing else was sent into the full window: each refused read ended its batch.
    expect(hs.requests.filter((r) => r.path.includes('/objects/')).length).toBe(reads.length + 1);
    expect(contactOf(hs, `${id}@example.com`)!.properties.firstname).toBe('Rae');
  }, 90_000);

  it('ends complete when the local API refuses requests over its own rate, without using up attempts', async () => {
    // Two requests per window, long enough that the batch's first three calls all fall in it.
    const { destinationId, hs } = await engine.destination({
      fake: { requestsPerWindow: 2, windowMs: 4000 },
    });
    const ids = [uid('prf'), uid('prf'), uid('prf'), uid('prf')];
    for (const [i, id] of ids.entries()) {
      await upsertProfile(db, id, values({ email: `${id}@example.com`, name: `Rate ${i}` }));
    }
    // One batch: properties, read and create are three requests; the create is refused, and
    // one window later the read and create of the retry fit.
    await engine.pass(destinationId, ids);

    for (const id of ids) {
      const [row] = await engine.settled(destinationId, id, 1, 30_000);
      expect(row).toMatchObject({ state: 'complete', attempts: 0 });
    }
    expect(hs.windowRejections()).toBeGreaterThanOrEqual(1);
    expect(liveContacts(hs)).toHaveLength(4);
    expect(contactOf(hs, `${ids[3]}@example.com`)!.properties.firstname).toBe('Rate 3');
  }, 60_000);

  it('ends a burst of 20 changes to one profile with the newest values and one contact', async () => {
    const { destinationId, hs } = await engine.destination();
    const id = uid('prf');
    const email = `${id}@example.com`;
    for (let i = 1; i <= 20; i++) await change(destinationId, id, { email, name: `Name ${i}` });

    await eventually(async () => {
      const outbox = await outboxOf(db, destinationId, [id]);
      return outbox.length === 0 && contactOf(hs, email)?.properties.firstname === 'Name 20';
    });
    expect(liveContacts(hs)).toHaveLength(1);
    // One profile, so every request concerned that contact: never two at once.
    expect(hs.peakConcurrency()).toBe(1);
    const states = (await exportsOf(db, destinationId, id)).map((e) => e.state);
    expect(states.at(-1)).toBe('complete');
    expect(states.filter((s) => s === 'failed')).toEqual([]);
  });
});
