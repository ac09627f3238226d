import { afterEach, describe, expect, it } from 'vitest';
import { brazeConnector } from '../../connectors/braze';
import { rateLimitWait } from '../../connectors/braze/client';
import { startFakeBraze, type FakeBraze } from '../fakes/braze';
import { brazeContext, uniqueId, userChange } from '../fakes/braze/fixtures';

const fakes: FakeBraze[] = [];
async function start(options: Parameters<typeof startFakeBraze>[0] = {}) {
  const fake = await startFakeBraze(options);
  fakes.push(fake);
  return fake;
}
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const send = brazeConnector.exportBatch.bind(brazeConnector);
const users = (n: number, prefix = 'u') =>
  Array.from({ length: n }, (_, i) => {
    const id = uniqueId(`${prefix}${i}`);
    return userChange(id, { newProperties: { external_id: id } });
  });

describe('braze connector: limits', () => {
  it('asks to retry, as rate limited, until X-RateLimit-Reset when Braze answers 429', async () => {
    const fake = await start();
    fake.rateLimitNext(1, 7);

    const [change] = users(1);
    const [outcome] = await send(brazeContext(fake), [change!]);
    expect(outcome).toMatchObject({ status: 'retry', rateLimited: true });
    expect(outcome).toHaveProperty('message', expect.stringContaining('429'));
    const wait = (outcome as { retryAfterMs: number }).retryAfterMs;
    expect(wait).toBeGreaterThan(5_500);
    expect(wait).toBeLessThanOrEqual(7_000);

    expect(await send(brazeContext(fake), [change!])).toEqual([
      { profileId: change!.profileId, status: 'complete' },
    ]);
  });

  it('ends complete after six 429s in a row once Braze lets it through', async () => {
    const fake = await start();
    fake.rateLimitNext(6, 1);
    const [change] = users(1);
    const statuses: string[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await send(brazeContext(fake), [change!]))[0]!.status);
    expect(statuses).toEqual([...Array(6).fill('retry'), 'complete']);
  });

  it('prefers Retry-After and never waits less than a second', () => {
    const now = 1_700_000_000_000;
    expect(rateLimitWait(new Headers({ 'retry-after': '3', 'x-ratelimit-reset': '9' }), now)).toBe(
      3000,
    );
    const reset = String(now / 1000 + 12);
    expect(rateLimitWait(new Headers({ 'x-ratelimit-reset': reset }), now)).toBe(12_000);
    expect(rateLimitWait(new Headers({ 'x-ratelimit-reset': String(now / 1000 - 5) }), now)).toBe(
      1000,
    );
  });

  it('answers 429 from the local API once the hourly limit is spent', async () => {
    const fake = await start({ requestsPerHour: 2 });
    const outcomes = [];
    for (const change of users(3)) outcomes.push((await send(brazeContext(fake), [change]))[0]);
    expect(outcomes.map((o) => o!.status)).toEqual(['complete', 'complete', 'retry']);
    expect(outcomes[2]).toMatchObject({ rateLimited: true });
  });

  it('retries on a server error without marking it rate limited', async () => {
    const fake = await start();
    fake.failNext(1, 503);
    const [outcome] = await send(brazeContext(fake), users(1));
    expect(outcome).toMatchObject({ status: 'retry', message: expect.stringContaining('503') });
    expect(outcome).not.toHaveProperty('rateLimited');
  });

  it('retries every profile when the enrich look-up meets a server error', async () => {
    const fake = await start();
    fake.failNext(1, 502);
    const outcomes = await send(brazeContext(fake, 'enrich'), users(2));
    expect(outcomes.map((o) => o.status)).toEqual(['retry', 'retry']);
    expect(outcomes[0]).toHaveProperty('message', expect.stringContaining('look up users'));
    expect(fake.requests.map((r) => r.path)).toEqual(['/users/export/ids']);
  });

  it('fails every profile with the message when the key is refused', async () => {
    const fake = await start();
    const ctx = brazeContext(fake);
    ctx.appOptions = { ...ctx.appOptions, apiKey: 'revoked' };
    const outcomes = await send(ctx, users(2));
    expect(outcomes).toEqual([
      expect.objectContaining({ status: 'failed', message: expect.stringContaining('401') }),
      expect.objectContaining({
        status: 'failed',
        message: expect.stringContaining('Invalid API key'),
      }),
    ]);
  });

  it('sends at most 75 attribute objects a request and 4 requests at once per key', async () => {
    const fake = await start({ latencyMs: 30 });
    const ctx = brazeContext(fake);
    // Six batches of one destination at once, as the workflow may run them, 200 users in all.
    const changes = users(200);
    const batches = [0, 1, 2, 3, 4, 5].map((i) => changes.slice(i * 34, i * 34 + 34));
    const extra = users(100, 'big');

    const results = await Promise.all([...batches.map((b) => send(ctx, b)), send(ctx, extra)]);
    expect(results.flat().every((o) => o.status === 'complete')).toBe(true);
    expect(fake.users.size).toBe(300);
    const sizes = fake.requests.map((r) => (r.body.attributes as unknown[]).length);
    expect(Math.max(...sizes)).toBe(75);
    expect(fake.peakConcurrency()).toBeGreaterThan(1);
    expect(fake.peakConcurrency()).toBeLessThanOrEqual(4);
  });

  it('is refused by the local API beyond 75 attribute objects', async () => {
    const fake = await start();
    const response = await fetch(`${fake.restEndpoint}/users/track`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${fake.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        attributes: Array.from({ length: 76 }, (_, i) => ({ external_id: `e${i}` })),
      }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
    expect(fake.users.size).toBe(0);
  });
});
