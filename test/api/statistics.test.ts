import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { testApi, uid } from './harness';

describe('planner statistics after big batches', async () => {
  const { call, db } = await testApi();
  const ltv = uid('ltv');
  await call('POST', '/properties', { key: ltv, type: 'float' });

  const lastAnalyze = async () => {
    const [row] = await db.execute<{ at: string | null }>(sql`
      select last_analyze::text as at from pg_stat_user_tables where relname = 'profiles'`);
    return row?.at ? Date.parse(row.at) : 0;
  };

  it('analyzes profiles after a batch that changed 1,000 rows', async () => {
    const before = await lastAnalyze();
    const prefix = uid('s');
    const profiles = Array.from({ length: 1000 }, (_, i) => ({
      id: `${prefix}_${i}`,
      properties: { [ltv]: i },
    }));
    const res = await call('POST', '/profiles/batch', { profiles });
    expect(res.body.changed).toBe(1000);
    expect(await lastAnalyze()).toBeGreaterThan(before);
  });
});
