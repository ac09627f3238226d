import '../../connectors/builtin';
import { describe, expect, it } from 'vitest';
import { testApi, uid } from './harness';

/**
 * `POST /config/*` runs on the server: it must never read the server's environment, or an
 * API caller could read its variables back through a stored option.
 */
describe('config endpoints and environment references', async () => {
  const { call } = await testApi();

  const webhookApp = (id: string, options: Record<string, unknown>) => ({
    kind: 'app',
    id,
    name: 'Hook',
    type: 'webhook',
    options: { secret: 'a-long-shared-secret', ...options },
  });

  it('refuses ${NAME} in an object with a 400 naming the field, and stores nothing', async () => {
    const id = uid('app');
    const res = await call('POST', '/config/apply', {
      objects: [webhookApp(id, { url: 'https://${HOME}.example.com/hook' })],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([
      { path: 'objects[0].options.url', message: expect.stringContaining('npm run config') },
    ]);
    expect(res.body.error.message).not.toContain(process.env.HOME ?? '/root');
    expect((await call('GET', `/apps/${id}`)).status).toBe(404);
  });

  it('never tells an HTTP caller to set the variable a Grouparoo option names', async () => {
    const res = await call('POST', '/config/validate', {
      objects: [
        {
          class: 'App',
          id: uid('mc'),
          name: 'M',
          type: 'mailchimp',
          options: { apiKey: 'PATH_X' },
        },
      ],
    });
    const text = JSON.stringify(res.body);
    expect(text).toContain('over HTTP it is taken as written');
    expect(text).not.toContain('set it');
  });

  it('answers the same for a variable that is set and one that is not', async () => {
    const ask = (name: string) =>
      call('POST', '/config/validate', {
        objects: [webhookApp(uid('app'), { url: 'https://x.example.com', secret: { $env: name } })],
      });
    const set = await ask('PATH');
    const unset = await ask('OUTFLOW_NO_SUCH_VARIABLE_ANYWHERE');
    expect(set.status).toBe(400);
    expect(unset.status).toBe(400);
    expect(set.body.error.issues[0].path).toBe('objects[0].options.secret');
    expect(set.body.error.issues[0].message).toBe(unset.body.error.issues[0].message);
    expect(JSON.stringify(unset.body)).not.toContain('not set');
  });

  it('names the file, the object and the field of a reference in uploaded files', async () => {
    const content = [
      `- { kind: property, key: ${uid('p')}, type: string }`,
      `- { kind: app, id: ${uid('app')}, name: Hook, type: webhook,`,
      `    options: { url: "https://x.example.com", secret: "\${HOOK_SECRET}" } }`,
    ].join('\n');
    const res = await call('POST', '/config/apply', {
      files: [{ name: 'outflow.yaml', content }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0].path).toBe('outflow.yaml[1].options.secret');
  });

  it('takes a Grouparoo option that names a set variable as written, never looking it up', async () => {
    process.env.OUTFLOW_TEST_HOOK_URL = 'https://from-the-server-env.example.com';
    const res = await call('POST', '/config/validate', {
      objects: [
        {
          class: 'App',
          id: uid('app'),
          name: 'Hook',
          type: 'webhook',
          options: { url: 'OUTFLOW_TEST_HOOK_URL', secret: 'a-long-shared-secret' },
        },
      ],
    });
    delete process.env.OUTFLOW_TEST_HOOK_URL;
    expect(res.status).toBe(422);
    expect(res.body.plan[0]).toMatchObject({ action: 'error' });
    expect(res.body.plan[0].message).toContain('"OUTFLOW_TEST_HOOK_URL"');
    expect(JSON.stringify(res.body)).not.toContain('from-the-server-env');
  });
});
