import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExportChange } from '../../connectors/types';
import { webhookConnector } from '../../connectors/webhook';
import { parseRetryAfter } from '../../connectors/webhook/delivery';
import { syncOperationsFor, type SyncMode } from '../../lib/domain';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const secret = 'whsec_0123456789abcdef';
let receiver: WebhookReceiver;

afterEach(async () => {
  await receiver?.close();
});

async function receive(key = secret) {
  receiver = await startWebhookReceiver(key);
  return receiver;
}

function context(mode: SyncMode = 'sync', app: { secret?: string; timeoutMs?: number } = {}) {
  return {
    appId: 'app_hook_test',
    appOptions: { url: receiver.url, secret, timeoutMs: 10_000, ...app },
    destinationId: `dst_${randomUUID()}`,
    destinationOptions: { identifierField: 'id' },
    syncOperations: syncOperationsFor(mode),
  };
}

function change(profileId: string, more: Partial<ExportChange> = {}): ExportChange {
  return {
    exportId: 1,
    profileId,
    toDelete: false,
    oldProperties: {},
    newProperties: { id: profileId, plan: 'pro' },
    oldGroups: [],
    newGroups: ['VIP'],
    ...more,
  };
}

describe('webhook connector', () => {
  it('posts one signed document per batch that the receiver verifies', async () => {
    await receive();
    const ctx = context();
    const outcomes = await webhookConnector.exportBatch(ctx, [change('p1'), change('p2')]);
    await webhookConnector.exportBatch(ctx, [change('p3')]);

    expect(outcomes).toEqual([
      { profileId: 'p1', status: 'complete' },
      { profileId: 'p2', status: 'complete' },
    ]);
    expect(receiver.rejected()).toBe(0);
    const [first, second] = receiver.deliveries;
    expect(first!.body).toEqual({
      destinationId: ctx.destinationId,
      sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      profiles: [
        {
          profileId: 'p1',
          exportId: 1,
          operation: 'upsert',
          oldProperties: {},
          newProperties: { id: 'p1', plan: 'pro' },
          oldGroups: [],
          newGroups: ['VIP'],
        },
        expect.objectContaining({ profileId: 'p2' }),
      ],
    });
    expect(first!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'outflow',
    });
    expect(first!.headers['x-outflow-delivery']).not.toBe(second!.headers['x-outflow-delivery']);
    expect(first!.headers['x-outflow-delivery']).toMatch(
      /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/,
    );
    expect(first!.rawBody).not.toContain(secret);
  });

  it('fails the batch permanently when the receiver refuses the signature', async () => {
    await receive('another-secret-of-the-receiver');
    const outcomes = await webhookConnector.exportBatch(context(), [change('p1')]);

    expect(receiver.rejected()).toBe(1);
    expect(outcomes[0]).toEqual({
      profileId: 'p1',
      status: 'failed',
      level: 'error',
      message: 'the endpoint answered 401: invalid signature',
    });
  });

  it('retries after the seconds a 429 asks for, without using up attempts', async () => {
    await receive();
    receiver.reply({ status: 429, headers: { 'Retry-After': '7' } });
    const outcomes = await webhookConnector.exportBatch(context(), [change('p1')]);

    expect(outcomes[0]).toEqual({
      profileId: 'p1',
      status: 'retry',
      message: 'rate limited (429)',
      rateLimited: true,
      retryAfterMs: 7000,
    });
  });

  it('retries at the HTTP date a 429 names', async () => {
    await receive();
    const at = new Date(Date.now() + 120_000).toUTCString();
    receiver.reply({ status: 429, headers: { 'Retry-After': at } });
    const [outcome] = await webhookConnector.exportBatch(context(), [change('p1')]);

    expect(outcome).toMatchObject({ status: 'retry', rateLimited: true });
    const wait = (outcome as { retryAfterMs: number }).retryAfterMs;
    expect(wait).toBeGreaterThan(110_000);
    expect(wait).toBeLessThanOrEqual(120_000);
  });

  it('retries a 5xx answer, under the same delivery id', async () => {
    await receive();
    receiver.reply({ status: 503 });
    const ctx = context();
    const batch = [change('p1', { exportId: 7 }), change('p2', { exportId: 8 })];
    const outcomes = await webhookConnector.exportBatch(ctx, batch);
    receiver.reply({ status: 200 });
    await webhookConnector.exportBatch(ctx, [...batch].reverse());
    const ids = receiver.deliveries.map((d) => d.headers['x-outflow-delivery']);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);

    expect(outcomes.map((o) => [o.status, 'rateLimited' in o])).toEqual([
      ['retry', false],
      ['retry', false],
    ]);
    expect(outcomes[0]).toMatchObject({ message: 'the endpoint answered 503' });
  });

  it('fails permanently on a 400 with the start of the response body', async () => {
    await receive();
    receiver.reply({ status: 400, body: `plan is not a known value ${'x'.repeat(600)}` });
    const [outcome] = await webhookConnector.exportBatch(context(), [change('p1')]);

    expect(outcome).toMatchObject({
      status: 'failed',
      level: 'error',
      message: expect.stringMatching(/^the endpoint answered 400: plan is not a known value x+$/),
    });
    expect((outcome as { message: string }).message).toHaveLength(
      'the endpoint answered 400: '.length + 500,
    );
  });

  it('retries when the endpoint does not answer in time', async () => {
    await receive();
    receiver.reply({ hang: true });
    const [outcome] = await webhookConnector.exportBatch(context('sync', { timeoutMs: 300 }), [
      change('p1'),
    ]);

    expect(outcome).toEqual({
      profileId: 'p1',
      status: 'retry',
      message: 'no answer within 300 ms',
    });
  });

  it('sends deletes under sync and never under additive', async () => {
    await receive();
    const toDelete = change('p1', {
      toDelete: true,
      oldProperties: { id: 'p1' },
      newProperties: {},
      oldGroups: ['VIP'],
      newGroups: [],
    });
    await webhookConnector.exportBatch(context('sync'), [toDelete]);
    const additive = await webhookConnector.exportBatch(context('additive'), [
      toDelete,
      change('p2'),
    ]);

    expect(receiver.deliveries[0]!.body.profiles).toMatchObject([
      { profileId: 'p1', operation: 'delete', oldProperties: { id: 'p1' } },
    ]);
    expect(additive[0]).toMatchObject({ status: 'failed', level: 'info' });
    expect(receiver.deliveries[1]!.body.profiles.map((p) => p.profileId)).toEqual(['p2']);
  });

  it('sends upserts under enrich and leaves creating to the receiver', async () => {
    await receive();
    await webhookConnector.exportBatch(context('enrich'), [change('p1')]);

    expect(receiver.deliveries[0]!.body.profiles[0]!.operation).toBe('upsert');
  });

  it('fails a profile without the identifier field and sends the others', async () => {
    await receive();
    const outcomes = await webhookConnector.exportBatch(context(), [
      change('p1', { newProperties: { plan: 'pro' } }),
      change('p2'),
    ]);

    expect(outcomes[0]).toEqual({
      profileId: 'p1',
      status: 'failed',
      level: 'error',
      message: 'no value for identifier field id',
    });
    expect(receiver.deliveries[0]!.body.profiles).toHaveLength(1);
  });

  it('passes extra headers and keeps its own signature headers', async () => {
    await receive();
    const ctx = context();
    const headers = { Authorization: 'Bearer t0ken', 'X-Outflow-Signature': 'forged' };
    await webhookConnector.exportBatch({ ...ctx, appOptions: { ...ctx.appOptions, headers } }, [
      change('p1'),
    ]);

    expect(receiver.rejected()).toBe(0);
    expect(receiver.deliveries[0]!.headers.authorization).toBe('Bearer t0ken');
    expect(webhookConnector.app.secretOptions).toEqual(['secret', 'headers']);
  });

  it('tests the app with a signed test document and reports the status', async () => {
    await receive();
    const result = await webhookConnector.app.test({ url: receiver.url, secret, timeoutMs: 2000 });

    expect(result).toEqual({
      ok: true,
      message: 'the endpoint answered 200 to a signed test delivery',
    });
    expect(receiver.deliveries[0]!.body).toMatchObject({ type: 'test' });
  });

  it('reports an app test against an endpoint that is not listening', async () => {
    await receive();
    const url = receiver.url;
    await receiver.close();
    const result = await webhookConnector.app.test({ url, secret, timeoutMs: 2000 });

    expect(result).toEqual({ ok: false, message: 'could not reach the endpoint: ECONNREFUSED' });
  });

  it('rejects a short secret and a non-http url, naming the option', () => {
    const parsed = webhookConnector.app.options.safeParse({ url: 'ftp://x', secret: 'short' });

    expect(parsed.error?.issues.map((i) => i.path[0])).toEqual(['url', 'secret']);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay seconds and HTTP dates and ignores anything else', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');

    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
