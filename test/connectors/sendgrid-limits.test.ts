import { afterEach, describe, expect, it } from 'vitest';
import { sendgridConnector } from '../../connectors/sendgrid';
import { requestsPerKey } from '../../connectors/sendgrid/client';
import { startFakeSendgrid, type FakeSendgrid, type FakeSendgridOptions } from '../fakes/sendgrid';
import { contactChange, sendgridContext, settle, uniqueEmail } from '../fakes/sendgrid/fixtures';

/** Issue 5, behaviour 5 against the local API: its rate limit, and requests in flight. */

let fake: FakeSendgrid | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: FakeSendgridOptions = {}) {
  fake = await startFakeSendgrid(options);
  return fake;
}

const send = sendgridConnector.exportBatch.bind(sendgridConnector);
const create = (id: string) => contactChange(id, { newProperties: { email: uniqueEmail(id) } });

describe('the local SendGrid API', () => {
  it('answers 429 with its X-RateLimit headers once a client exceeds the configured rate', async () => {
    const sg = await start({ rateLimit: { limit: 2, windowMs: 30_000 } });
    const get = (path: string) =>
      fetch(`${sg.baseUrl}${path}`, { headers: { Authorization: `Bearer ${sg.apiKey}` } });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await get('/v3/marketing/lists'));

    expect(answers.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(answers.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['1', '0', '0']);
    expect(answers[2]!.headers.get('x-ratelimit-limit')).toBe('2');
    const reset = Number(answers[2]!.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(30);
    expect(await answers[2]!.json()).toEqual({
      errors: [{ field: null, message: 'too many requests' }],
    });
    // Each endpoint has its own window.
    expect((await get('/v3/marketing/field_definitions')).status).toBe(200);
  });
});

describe('sendgrid connector: rate limits and requests in flight', () => {
  it('asks to wait as long as a scripted 429 says, as rate limited', async () => {
    const sg = await start();
    sg.rateLimitNext(1, 7);
    const [outcome] = await send(sendgridContext(sg), [create('rl')]);
    expect(outcome).toMatchObject({ status: 'retry', rateLimited: true, retryAfterMs: 7000 });
  });

  it('waits until the window SendGrid reports ends, given in seconds left or as an epoch second', async () => {
    for (const resetHeader of ['seconds', 'epoch'] as const) {
      const sg = await start({ rateLimit: { limit: 1, windowMs: 40_000, resetHeader } });
      const ctx = sendgridContext(sg);
      await send(ctx, [create('first')]);

      // The window of the search endpoint is used up: the next batch must wait for its end.
      const [outcome] = await send(ctx, [create('second')]);
      expect(sg.rateWindows.refusals).toBe(1);
      expect(outcome).toMatchObject({ status: 'retry', rateLimited: true });
      const waitMs = (outcome as { retryAfterMs: number }).retryAfterMs;
      expect(waitMs).toBeGreaterThan(30_000);
      expect(waitMs).toBeLessThanOrEqual(41_000);
      await sg.close();
    }
  });

  it(`keeps 50 profiles across five concurrent batches at ${requestsPerKey} requests in flight at most`, async () => {
    const sg = await start({ latencyMs: 25, jobDelayMs: 100 });
    const ctx = sendgridContext(sg);
    const changes = Array.from({ length: 50 }, (_, i) =>
      contactChange(`c${i}`, {
        newProperties: { email: uniqueEmail(`c${i}`) },
        // Every batch needs the same new list: only one may create it.
        newGroups: ['Everyone', `Group ${i % 5}`],
      }),
    );
    const batches = [0, 1, 2, 3, 4].map((b) => changes.slice(b * 10, b * 10 + 10));

    const results = await Promise.all(
      batches.map(async (batch) => settle(ctx, batch, await send(ctx, batch))),
    );
    expect(results.flat().every((o) => o.status === 'complete')).toBe(true);
    expect(sg.contacts.size).toBe(50);
    expect([...sg.lists.values()].filter((l) => l.name === 'Everyone')).toHaveLength(1);
    expect(sg.peakInFlight()).toBeGreaterThan(1);
    expect(sg.peakInFlight()).toBeLessThanOrEqual(requestsPerKey);
  });
});
