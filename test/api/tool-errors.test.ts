import { afterAll, describe, expect, it } from 'vitest';
import '../../connectors/builtin';
import { startFakeMailchimp } from '../fakes/mailchimp';
import { testApi, uid } from './harness';

/**
 * A destination's mapping is checked against the fields the tool lists, so creating one asks
 * the tool. When the tool refuses or cannot be reached, the caller is told which and why.
 */

const { call } = await testApi();
const mailchimp = await startFakeMailchimp();
afterAll(() => mailchimp.close());

async function mailchimpApp(baseUrl: string): Promise<string> {
  const id = uid('mc');
  const res = await call('POST', '/apps', {
    id,
    name: 'Mailchimp',
    type: 'mailchimp',
    options: { apiKey: mailchimp.apiKey, baseUrl, timeoutMs: 2_000 },
  });
  expect(res.status).toBe(201);
  return id;
}

const destination = (appId: string, listId: string) => ({
  id: uid('dst'),
  name: 'Newsletter',
  appId,
  options: { listId },
  collection: 'none',
  mapping: {},
});

describe('a tool asked while a destination is created', () => {
  it('answers 422 with the tool’s reason when it refuses the options', async () => {
    const appId = await mailchimpApp(mailchimp.baseUrl);
    const res = await call('POST', '/destinations', destination(appId, '0000000000'));
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/audience "0000000000"/);
    expect(res.body.error.message).toMatch(/could not be found/);
  });

  it('answers 502 naming the tool when it cannot be reached, and writes nothing', async () => {
    const appId = await mailchimpApp('http://127.0.0.1:9/3.0');
    const body = destination(appId, mailchimp.createList().id);
    const res = await call('POST', '/destinations', body);
    expect(res.status).toBe(502);
    expect(res.body.error.message).toMatch(/could not reach Mailchimp/);
    expect((await call('GET', `/destinations/${body.id}`)).status).toBe(404);
  });

  it('changes a destination’s name and settings while the tool cannot be reached', async () => {
    const email = uid('email');
    await call('POST', '/properties', { key: email, type: 'email', unique: true });
    const appId = await mailchimpApp(mailchimp.baseUrl);
    const body = {
      ...destination(appId, mailchimp.createList().id),
      mapping: { email_address: email },
    };
    expect((await call('POST', '/destinations', body)).status).toBe(201);
    const down = await call('PATCH', `/apps/${appId}`, {
      options: { apiKey: '********', baseUrl: 'http://127.0.0.1:9/3.0', timeoutMs: 2_000 },
    });
    expect(down.status).toBe(200);

    const path = `/destinations/${body.id}`;
    const limited = await call('PATCH', path, { settings: { maxProfilesPerSecond: 5 } });
    expect(limited.status).toBe(200);
    expect(limited.body.settings).toEqual({ maxProfilesPerSecond: 5 });
    expect((await call('PATCH', path, { name: 'Renamed' })).body.name).toBe('Renamed');
    // What the tool must check still asks it.
    const remapped = await call('PATCH', path, { mapping: { email_address: email, FNAME: email } });
    expect(remapped.status).toBe(502);
  });
});
