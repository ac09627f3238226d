import { describe, expect, it } from 'vitest';
import { registerFakeConnector } from './fake-connector';
import { testApi, uid } from './harness';

/** The 400 for a field that is missing or has the wrong JSON type: its path, then why. */
describe('messages for missing and mistyped fields', async () => {
  const { call } = await testApi();
  const type = registerFakeConnector();
  const email = uid('email');
  await call('POST', '/properties', { key: email, type: 'email', unique: true });
  const appOptions = { url: 'https://tool.example.com', token: 'good-token' };
  const app = await call('POST', '/apps', { name: 'Tool', type, options: appOptions });
  const destination = {
    name: 'Tool list',
    appId: app.body.id,
    options: { table: 'people' },
    mapping: { id: email },
  };
  const group = await call('POST', '/groups', { name: 'picked', kind: 'manual' });

  type Issue = { path: string; message: string };
  /** Sends the request and expects a 400 whose issues are exactly `issues`. */
  async function refused(method: string, path: string, body: unknown, issues: Issue[]) {
    const res = await call(method, path, body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error).toEqual({
      message: `${issues[0]!.path}: ${issues[0]!.message}`,
      issues,
    });
  }
  const required = (path: string) => ({ path, message: 'is required' });

  it('says a missing field is required, whatever its type', async () => {
    await refused('POST', '/properties', {}, [required('key'), required('type')]);
    await refused('POST', '/properties', { key: uid('k') }, [required('type')]);
    await refused('POST', '/groups', { rules: [] }, [required('name')]);
    await refused('POST', '/groups', { name: 'g', rules: [{ property: email }] }, [
      required('rules[0].op'),
    ]);
    await refused('PUT', `/profiles/${uid('prf')}`, {}, [required('properties')]);
    await refused('POST', '/profiles/batch', { profiles: [{ properties: {} }] }, [
      required('profiles[0].id'),
    ]);
    await refused('POST', `/groups/${group.body.id}/members`, {}, [required('profileIds')]);
    const { appId: _appId, ...withoutApp } = destination;
    await refused('POST', '/destinations', withoutApp, [required('appId')]);
  });

  it("says a missing connector option is required, from the connector's schema", async () => {
    await refused('POST', '/apps', { name: 'Tool', type, options: { url: appOptions.url } }, [
      required('options.token'),
    ]);
    await refused('POST', '/destinations', { ...destination, options: {} }, [
      required('options.table'),
    ]);
  });

  it('names the expected JSON type and quotes what came instead', async () => {
    await refused('POST', '/properties', { key: 5, type: 'string' }, [
      { path: 'key', message: 'expected string, got 5' },
    ]);
    await refused('POST', '/properties', { key: uid('k'), type: 'string', unique: 'yes' }, [
      { path: 'unique', message: 'expected boolean, got "yes"' },
    ]);
    await refused('POST', '/groups', { name: 'g', rules: {} }, [
      { path: 'rules', message: 'expected array, got {}' },
    ]);
    await refused('PUT', `/profiles/${uid('prf')}`, { properties: 'x' }, [
      { path: 'properties', message: 'expected record, got "x"' },
    ]);
    await refused('POST', '/destinations', { ...destination, mapping: { id: 5 } }, [
      { path: 'mapping.id', message: 'expected string, got 5' },
    ]);
    await refused('POST', '/groups', 'x', [
      { path: '(body)', message: 'expected object, got "x"' },
    ]);
  });

  it('quotes an array given where an object was expected, rather than counting it', async () => {
    await refused('PUT', `/profiles/${uid('prf')}`, { properties: [] }, [
      { path: 'properties', message: 'expected record, got []' },
    ]);
    await refused('POST', '/destinations', { ...destination, mapping: ['id'] }, [
      { path: 'mapping', message: 'expected record, got ["id"]' },
    ]);
    const res = await call('POST', '/groups', {
      name: 'g',
      rules: [{ property: email, op: 'eq', match: [1] }],
    });
    expect(res.body.error.issues).toHaveLength(1);
    expect(res.body.error.issues[0].path).toBe('rules[0].match');
    expect(res.body.error.issues[0].message).toMatch(/, got \[1\]$/);
  });

  it('names mistyped connector options, settings and query parameters', async () => {
    await refused('POST', '/apps', { name: 'Tool', type, options: { ...appOptions, url: 5 } }, [
      { path: 'options.url', message: 'expected string, got 5' },
    ]);
    // A secret option's value is never quoted, not even a wrong one.
    await refused(
      'POST',
      '/apps',
      { name: 'Tool', type, options: { ...appOptions, token: 1234 } },
      [{ path: 'options.token', message: 'expected string' }],
    );
    const created = await call('POST', '/destinations', destination);
    expect(created.status).toBe(201);
    await refused('PATCH', `/destinations/${created.body.id}`, { settings: { concurrency: '4' } }, [
      { path: 'settings.concurrency', message: 'expected number, got "4"' },
    ]);
    await refused('GET', '/exports?limit=abc', undefined, [
      { path: 'limit', message: 'expected number, got "abc"' },
    ]);
    await call('DELETE', `/destinations/${created.body.id}`);
  });

  it('writes nothing when a field is refused', async () => {
    const id = uid('prf');
    await refused('PUT', `/profiles/${id}`, { properties: { [email]: 'ada@example.com' }, x: 1 }, [
      { path: '(body)', message: 'unknown field(s) "x"' },
    ]);
    expect((await call('GET', `/profiles/${id}`)).status).toBe(404);
  });
});
