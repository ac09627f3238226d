import { afterEach, describe, expect, it } from 'vitest';
import { mailchimpConnector } from '../../connectors/mailchimp';
import { RemoteUnavailableError } from '../../connectors/types';
import { startFakeMailchimp, type FakeMailchimp } from '../fakes/mailchimp';
import { mailchimpContext, memberChange, memberOf, tagsOf } from '../fakes/mailchimp/fixtures';

let fake: FakeMailchimp | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(latencyMs = 0) {
  fake = await startFakeMailchimp({ latencyMs });
  return fake;
}

const send = mailchimpConnector.exportBatch.bind(mailchimpConnector);

describe('mailchimp connector: refusals, rate limits and connections', () => {
  it('fails only the profiles whose email Mailchimp refuses, with its message', async () => {
    const mc = await start();
    const list = mc.createList();
    list.flagged.set('gone@example.com', 'compliance');
    list.flagged.set('foo@example.com', 'fake');
    const ctx = mailchimpContext(mc, list);
    const bad = memberChange('bad', { newProperties: { email_address: 'AAAAA' } });
    const flagged = memberChange('gone', { newProperties: { email_address: 'gone@example.com' } });
    const fake = memberChange('foo', { newProperties: { email_address: 'foo@example.com' } });

    const outcomes = await send(ctx, [bad, memberChange('ok'), flagged, fake]);
    expect(outcomes).toEqual([
      expect.objectContaining({
        status: 'failed',
        level: 'error',
        message: expect.stringContaining('Please provide a valid email address.'),
      }),
      { profileId: 'ok', status: 'complete' },
      expect.objectContaining({
        status: 'failed',
        message: expect.stringContaining('compliance state'),
      }),
      expect.objectContaining({
        status: 'failed',
        level: 'error',
        message: expect.stringContaining('looks fake or invalid'),
      }),
    ]);
    expect(list.members.size).toBe(1);
  });

  it('answers 429 as Mailchimp does: a problem document and no wait header', async () => {
    const mc = await start();
    mc.rateLimitNext(1);
    const response = await fetch(`${mc.baseUrl}/ping`, {
      headers: { Authorization: `Bearer ${mc.apiKey}` },
    });

    expect(response.status).toBe(429);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const waits = [...response.headers.keys()].filter((h) => /retry-after|ratelimit/i.test(h));
    expect(waits).toEqual([]);
    expect(await response.json()).toMatchObject({
      title: 'Too Many Requests',
      status: 429,
      detail: expect.stringContaining('10 simultaneous connections'),
    });
  });

  it('asks to retry after 1 to 10 s, as rate limited, when Mailchimp answers 429', async () => {
    const mc = await start();
    const list = mc.createList();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      mc.rateLimitNext(1);
      const [outcome] = await send(mailchimpContext(mc, list), [memberChange('ray')]);
      expect(outcome).toMatchObject({ status: 'retry', rateLimited: true });
      expect(outcome).toHaveProperty('message', expect.stringContaining('429 Too Many Requests'));
      waits.push((outcome as { retryAfterMs: number }).retryAfterMs);
    }
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(10_000);
    // Spread out, so rejected calls of one batch do not all come back at once.
    expect(new Set(waits).size).toBeGreaterThan(1);

    const [again] = await send(mailchimpContext(mc, list), [memberChange('ray')]);
    expect(again).toEqual({ profileId: 'ray', status: 'complete' });
  });

  it('asks to read the merge fields again after 1 to 10 s when Mailchimp answers 429', async () => {
    const mc = await start();
    const ctx = mailchimpContext(mc, mc.createList());
    mc.rateLimitNext(1);

    const error = await mailchimpConnector.mappingOptions(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteUnavailableError);
    const wait = (error as RemoteUnavailableError).retryAfterMs!;
    expect(wait).toBeGreaterThanOrEqual(1000);
    expect(wait).toBeLessThanOrEqual(10_000);
    await expect(mailchimpConnector.mappingOptions(ctx)).resolves.toHaveProperty('known');
  });

  it('archives before re-adding when a batch deletes and creates one email', async () => {
    // Latency keeps calls open long enough for two at once to show in the fake's counter.
    const mc = await start(30);
    const list = mc.createList();
    const ctx = mailchimpContext(mc, list);
    const email = 'kai@example.com';
    await send(ctx, [
      memberChange('old', { newProperties: { email_address: email, FNAME: 'Old' } }),
    ]);

    // A new profile takes the email in the same batch that deletes the old profile.
    const create = memberChange('new', {
      newProperties: { email_address: email, FNAME: 'New' },
      newGroups: ['VIP'],
    });
    const remove = memberChange('old', {
      toDelete: true,
      oldProperties: { email_address: email },
      oldGroups: ['Trial'],
    });
    expect(await send(ctx, [create, remove])).toEqual([
      { profileId: 'new', status: 'complete' },
      { profileId: 'old', status: 'complete' },
    ]);
    expect(memberOf(list, email)).toMatchObject({
      status: 'subscribed',
      merge_fields: expect.objectContaining({ FNAME: 'New' }),
    });
    expect(tagsOf(list, email)).toEqual(['VIP']);
    expect(mc.peakFor(email)).toBe(1);
  });

  it('retries on a server error without marking it rate limited', async () => {
    const mc = await start();
    const list = mc.createList();
    mc.failNext(1, 503);

    const [outcome] = await send(mailchimpContext(mc, list), [memberChange('sam')]);
    expect(outcome).toMatchObject({ status: 'retry', message: expect.stringContaining('503') });
    expect(outcome).not.toHaveProperty('rateLimited');
  });

  it('keeps 50 profiles across three concurrent batches under 10 connections', async () => {
    const mc = await start(15);
    const list = mc.createList();
    const ctx = mailchimpContext(mc, list);
    const profiles = Array.from({ length: 50 }, (_, i) =>
      memberChange(`p${i}`, { newGroups: ['VIP'] }),
    );

    // Three activities of one destination at once, as the workflow may run them.
    const results = await Promise.all([
      send(ctx, profiles.slice(0, 20)),
      send(ctx, profiles.slice(20, 40)),
      send(ctx, profiles.slice(40)),
    ]);
    expect(results.flat().every((o) => o.status === 'complete')).toBe(true);
    expect(list.members.size).toBe(50);
    expect(mc.connectionRejections()).toBe(0);
    expect(mc.peakConcurrency()).toBeGreaterThan(1);
    expect(mc.peakConcurrency()).toBeLessThanOrEqual(9);
  });

  it('is refused by the local API beyond 10 simultaneous connections', async () => {
    const mc = await start(50);
    const auth = { Authorization: `Bearer ${mc.apiKey}` };
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => fetch(`${mc.baseUrl}/ping`, { headers: auth })),
    );
    expect(answers.filter((r) => r.status === 429)).toHaveLength(2);
    expect(mc.connectionRejections()).toBe(2);
  });

  it('reads the audience merge fields as mapping options', async () => {
    const mc = await start();
    const list = mc.createList([{ tag: 'LTV', type: 'number' }]);
    const options = await mailchimpConnector.mappingOptions(mailchimpContext(mc, list));

    expect(options.required).toEqual([{ key: 'email_address', type: 'email', important: true }]);
    expect(options.known).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'FNAME', type: 'string' }),
        expect.objectContaining({ key: 'PHONE', type: 'phone' }),
        expect.objectContaining({ key: 'BIRTHDAY', type: 'string' }),
        expect.objectContaining({ key: 'LTV', type: 'number' }),
      ]),
    );
    expect(options.allowCustomFields).toBe(false);
    expect(options.arrayFields).toEqual([]);
  });

  it('tests the app with a ping and reports a wrong key', async () => {
    const mc = await start();
    const good = mailchimpContext(mc, mc.createList()).appOptions;

    await expect(mailchimpConnector.app.test(good)).resolves.toMatchObject({ ok: true });
    const wrong = await mailchimpConnector.app.test({ ...good, apiKey: 'deadbeef-us6' });
    expect(wrong).toEqual({
      ok: false,
      message: expect.stringContaining('API key may be invalid'),
    });
  });

  it('fails a merge field Mailchimp rejects, naming the field', async () => {
    const mc = await start();
    const list = mc.createList([{ tag: 'LTV', type: 'number' }]);
    const change = memberChange('tim', {
      newProperties: { email_address: 'tim@example.com', LTV: 'lots' },
    });

    const [outcome] = await send(mailchimpContext(mc, list), [change]);
    expect(outcome).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('LTV: Please enter a number'),
    });
    expect(memberOf(list, 'tim@example.com')).toBeUndefined();
  });
});
