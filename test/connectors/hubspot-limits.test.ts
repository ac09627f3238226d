import { afterEach, describe, expect, it } from 'vitest';
import { hubspotConnector } from '../../connectors/hubspot';
import { startFakeHubspot, type FakeHubspot, type FakeHubspotOptions } from '../fakes/hubspot';
import { contactChange, contactOf, hubspotContext, liveContacts } from '../fakes/hubspot/fixtures';

let fake: FakeHubspot | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: FakeHubspotOptions = {}) {
  fake = await startFakeHubspot(options);
  return fake;
}

const send = hubspotConnector.exportBatch.bind(hubspotConnector);

describe('hubspot connector: refusals, server errors and concurrency', () => {
  it('fails only the profile whose email HubSpot refuses, completing the rest of the batch', async () => {
    const hs = await start();
    const changes = Array.from({ length: 10 }, (_, i) => contactChange(`p${i}`));
    changes[6] = contactChange('bad', { newProperties: { email: 'not an email' } });

    const outcomes = await send(hubspotContext(hs), changes);
    expect(outcomes.filter((o) => o.status === 'complete')).toHaveLength(9);
    expect(outcomes[6]).toEqual({
      profileId: 'bad',
      status: 'failed',
      level: 'error',
      message: expect.stringContaining('Email address not an email is invalid'),
    });
    expect(liveContacts(hs)).toHaveLength(9);
    // The whole batch was refused first, then halves were resent.
    const creates = hs.requests.filter((r) => r.path.endsWith('/batch/create'));
    expect(creates[0]).toMatchObject({ status: 400 });
    expect(creates.length).toBeGreaterThan(2);
  });

  it('retries on a server error without marking it rate limited', async () => {
    const hs = await start();
    hs.failNext(1, 503, '/crm/v3/objects');

    const [outcome] = await send(hubspotContext(hs), [contactChange('sam')]);
    expect(outcome).toMatchObject({ status: 'retry', message: expect.stringContaining('503') });
    expect(outcome).not.toHaveProperty('rateLimited');
  });

  it('keeps 50 profiles across five concurrent batches at 4 requests in flight', async () => {
    const hs = await start({ latencyMs: 20 });
    const ctx = hubspotContext(hs);
    const profiles = Array.from({ length: 50 }, (_, i) =>
      contactChange(`c${i}`, { newGroups: [`Group ${i % 5}`] }),
    );

    const batches = [0, 1, 2, 3, 4].map((b) => send(ctx, profiles.slice(b * 10, b * 10 + 10)));
    const results = await Promise.all(batches);
    expect(results.flat().every((o) => o.status === 'complete')).toBe(true);
    expect(liveContacts(hs)).toHaveLength(50);
    expect(hs.peakConcurrency()).toBeGreaterThan(1);
    expect(hs.peakConcurrency()).toBeLessThanOrEqual(4);
    expect(hs.state.lists.size).toBe(5);
  });

  it('is refused by the local API beyond 100 inputs per batch', async () => {
    const hs = await start();
    const inputs = Array.from({ length: 101 }, (_, i) => ({ properties: { email: `x${i}@a.io` } }));
    const response = await fetch(`${hs.baseUrl}/crm/v3/objects/contacts/batch/create`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${hs.accessToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ inputs }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
  });

  it('fails a value HubSpot rejects, naming the property', async () => {
    const hs = await start();
    const change = contactChange('tim', {
      newProperties: { email: 'tim@example.com', ltv: 'lots' },
    });

    const [outcome] = await send(hubspotContext(hs), [change]);
    expect(outcome).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('lots was not a valid long.'),
    });
    expect(contactOf(hs, 'tim@example.com')).toBeUndefined();
  });
});
