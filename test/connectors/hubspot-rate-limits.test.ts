import { afterEach, describe, expect, it } from 'vitest';
import { hubspotConnector } from '../../connectors/hubspot';
import { startFakeHubspot, type FakeHubspot, type FakeHubspotOptions } from '../fakes/hubspot';
import { contactChange, contactOf, hubspotContext } from '../fakes/hubspot/fixtures';

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

describe('hubspot connector: rate limits', () => {
  it('answers 429 as HubSpot documents once the rolling window is used up', async () => {
    const hs = await start({ requestsPerWindow: 1, windowMs: 5000 });
    const get = () =>
      fetch(`${hs.baseUrl}/crm/v3/objects/contacts`, {
        headers: { Authorization: `Bearer ${hs.accessToken}` },
      });
    const first = await get();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');

    const refused = await get();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(Object.fromEntries(refused.headers)).toMatchObject({
      'x-hubspot-ratelimit-interval-milliseconds': '5000',
      'x-hubspot-ratelimit-max': '1',
      'x-hubspot-ratelimit-remaining': '0',
      'x-hubspot-ratelimit-daily': '500000',
    });
    expect(await refused.json()).toMatchObject({
      status: 'error',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
      message: 'You have reached your ten_secondly_rolling limit.',
    });
  });

  it('waits the window the headers report after a 429, as rate limited, then sends again', async () => {
    const hs = await start({ windowMs: 4000 });
    hs.rateLimitNext(1, { pathPrefix: '/crm/v3/objects' });

    const [outcome] = await send(hubspotContext(hs), [contactChange('ray')]);
    expect(outcome).toMatchObject({ status: 'retry', rateLimited: true, retryAfterMs: 4000 });
    expect(outcome).toHaveProperty('message', expect.stringContaining('ten_secondly_rolling'));

    const [again] = await send(hubspotContext(hs), [contactChange('ray')]);
    expect(again).toEqual({ profileId: 'ray', status: 'complete' });
  });

  it('waits for its own window when the local API refuses a request over its rate', async () => {
    const hs = await start({ requestsPerWindow: 2, windowMs: 3000 });
    // properties, read, create: the third request is over the window's two.
    const [outcome] = await send(hubspotContext(hs), [contactChange('win', { newGroups: ['G'] })]);

    expect(hs.windowRejections()).toBe(1);
    expect(outcome).toMatchObject({ status: 'retry', rateLimited: true, retryAfterMs: 3000 });
    // The list steps were not sent into the full window.
    expect(hs.requests.map((r) => r.status)).toEqual([200, 207, 429]);
  });

  it('sends nothing more in a batch after a 429 and retries every profile it left', async () => {
    const hs = await start();
    await send(hubspotContext(hs), [contactChange('old')]);
    hs.rateLimitNext(1, { pathPrefix: '/crm/v3/objects/contacts/batch/update' });
    const from = hs.requests.length;

    const outcomes = await send(hubspotContext(hs), [
      contactChange('old', { newProperties: { email: 'old@example.com', firstname: 'Ola' } }),
      contactChange('new'),
    ]);
    expect(outcomes.map((o) => [o.status, 'rateLimited' in o && o.rateLimited])).toEqual([
      ['retry', true],
      ['retry', true],
    ]);
    expect(outcomes[1]).toHaveProperty('message', expect.stringContaining('not sent after a 429'));
    expect(hs.requests.slice(from).map((r) => r.path.split('/').at(-1))).toEqual([
      'read',
      'update',
    ]);
    expect(contactOf(hs, 'new@example.com')).toBeUndefined();
  });

  it('waits Retry-After instead when a proxy in front of HubSpot sends one', async () => {
    const hs = await start();
    hs.rateLimitNext(1, { pathPrefix: '/crm/v3/objects', retryAfterSeconds: 7 });

    const [outcome] = await send(hubspotContext(hs), [contactChange('pia')]);
    expect(outcome).toMatchObject({ status: 'retry', rateLimited: true, retryAfterMs: 7000 });
  });

  it('waits an hour, as rate limited, when the daily limit is used up', async () => {
    const hs = await start({ requestsPerDay: 2 });

    const [outcome] = await send(hubspotContext(hs), [contactChange('day')]);
    expect(hs.requests.at(-1)).toMatchObject({ status: 429 });
    expect(outcome).toMatchObject({
      status: 'retry',
      rateLimited: true,
      retryAfterMs: 60 * 60_000,
      message: expect.stringContaining('daily limit'),
    });
  });
});
