import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { databaseUrl, temporalAddress, workflowBundlePath } from '../helpers/env';
import { testDb } from '../helpers/db';

describe('global setup', () => {
  it('hands forked test workers the database, the Temporal address and the bundle', () => {
    expect(databaseUrl()).toMatch(/^postgres(ql)?:\/\//);
    expect(temporalAddress()).toMatch(/:\d+$/);
    expect(existsSync(workflowBundlePath())).toBe(true);
  });

  it('migrates the test database', async () => {
    const { client } = testDb();
    const [row] = await client`select to_regclass('public.destinations') as name`;
    expect(row?.name).toBe('destinations');
  });
});
