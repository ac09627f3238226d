import { describe, expect, it } from 'vitest';
import { maxBodyBytes } from '../../api/body-guard';
import { testApi, uid } from './harness';

describe('request bodies', async () => {
  const { call } = await testApi();

  it('refuses a body over 32 MiB with a 413 before parsing it', async () => {
    const big = 'x'.repeat(maxBodyBytes);
    const res = await call('PUT', `/profiles/${uid('prf')}`, { properties: { note: big } });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toBe('the request body is larger than 32 MiB');
  });

  it('names a key Postgres cannot store', async () => {
    const res = await call('POST', '/groups', { name: 'VIP', kind: 'manual', 'x\u0000': 1 });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      'x\u0000: its name must not contain NUL characters (\\u0000)',
    );
  });
});
