import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import '../../connectors/builtin';
import { loadConfig } from '../../lib/config';
import type { ApiClient } from '../../scripts/api-client';
import { ensureDemoTarget, importProfiles, setUpDemo } from '../../scripts/demo';
import { demoDataDir, loadDemoProfiles } from '../../scripts/demo-data';
import { testDb } from '../helpers/db';
import { databaseUrl, temporalNamespace } from '../helpers/env';
import { eventually, startTestWorker, type TestWorker } from '../helpers/worker';

/**
 * The main job end to end: Grouparoo's demo users and purchases go in through the API; the
 * "High Value" Postgres table ends up with exactly the users whose successful purchases sum
 * to more than 100, and the "All users" table with everyone.
 */

const apiKey = 'e2e-api-key-0123456789';

/** The expected High Value emails, computed straight from the CSV files. */
function expectedHighValueEmails(): string[] {
  const read = (f: string) =>
    parse(readFileSync(path.join(demoDataDir, f), 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
  const totals = new Map<string, number>();
  for (const p of read('purchases.csv')) {
    if (p.state === 'successful') {
      totals.set(p.user_id!, (totals.get(p.user_id!) ?? 0) + Number(p.price));
    }
  }
  return read('users.csv')
    .filter((u) => (totals.get(u.id!) ?? 0) > 100)
    .map((u) => u.email!)
    .sort();
}

describe('demo import', () => {
  let tw: TestWorker;
  let api: ApiClient;
  let target: postgres.Sql;

  beforeAll(async () => {
    const { db } = testDb();
    tw = await startTestWorker(db);
    for (const id of ['demo_high_value', 'demo_all_users']) tw.started.add(`destination:${id}`);
    const config = loadConfig({
      TEMPORAL_NAMESPACE: temporalNamespace(),
      TEMPORAL_TASK_QUEUE: tw.taskQueue,
    });
    const app = createApp({ db, temporal: tw.client, config, apiKey });
    api = {
      async request<T>(method: string, p: string, body?: unknown) {
        const res = await app.request(p, {
          method,
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const json = await res.json();
        if (!res.ok) throw Object.assign(new Error(JSON.stringify(json)), { status: res.status });
        return json as T;
      },
    };
    const targetUrl = await ensureDemoTarget(databaseUrl(), 'outflow_e2e_demo');
    target = postgres(targetUrl, { max: 2, onnotice: () => {} });
    await target`drop table if exists high_value_users, all_users`;
    await setUpDemo(api, targetUrl);
  });

  afterAll(async () => {
    await target?.end();
    await tw?.stop();
  });

  const tableEmails = async (table: string) =>
    (await target`select email from ${target(table)} order by email`).map((r) => r.email);

  it('fills the High Value table with exactly the users whose ltv is over 100', async () => {
    const profiles = await loadDemoProfiles();
    expect(await importProfiles(api, profiles)).toBe(1000);

    const expected = expectedHighValueEmails();
    expect(expected.length).toBeGreaterThan(100);
    await eventually(
      async () => (await tableEmails('high_value_users')).length === expected.length,
      90_000,
    );
    expect(await tableEmails('high_value_users')).toEqual(expected);
    await eventually(async () => (await tableEmails('all_users')).length === 1000, 90_000);
    // Done means nothing left to export: a profile queued twice (its values, then a group it
    // joined) may still have a no-op export to go after its row is written.
    for (const id of ['demo_high_value', 'demo_all_users']) {
      await eventually(async () => {
        const s = await api.request<{ changesWaiting: number }>(
          'GET',
          `/destinations/${id}/status`,
        );
        return s.changesWaiting === 0;
      }, 90_000);
    }

    const [row] = await target`select * from high_value_users where email = ${expected[0]!}`;
    expect(Number(row!.ltv)).toBeGreaterThan(100);
    expect(row!.groups).toContain('High Value');
  }, 180_000);

  it('changes nothing remotely when the same data is imported again', async () => {
    const before = await target`select email, ltv, groups from all_users order by email`;
    const profiles = await loadDemoProfiles();
    expect(await importProfiles(api, profiles)).toBe(0);
    const status = await api.request<{ changesWaiting: number }>(
      'GET',
      '/destinations/demo_all_users/status',
    );
    expect(status.changesWaiting).toBe(0);
    expect(await target`select email, ltv, groups from all_users order by email`).toEqual(before);
  });

  it('moves a profile in and out of the High Value table as its ltv changes', async () => {
    const expected = expectedHighValueEmails();
    const profiles = await loadDemoProfiles();
    const leaving = profiles.find((p) => p.properties.email === expected[0])!;
    const joining = profiles.find((p) => !expected.includes(String(p.properties.email)))!;
    await api.request('PATCH', `/profiles/${leaving.id}`, { properties: { ltv: 5 } });
    await api.request('PATCH', `/profiles/${joining.id}`, { properties: { ltv: 1000 } });

    await eventually(async () => {
      const emails = await tableEmails('high_value_users');
      return emails.includes(String(joining.properties.email)) && !emails.includes(expected[0]);
    }, 30_000);
    // all_users is another destination with its own workflow: it may write a moment later.
    await eventually(async () => {
      const [row] = await target`select ltv from all_users where email = ${expected[0]!}`;
      return Number(row?.ltv) === 5;
    }, 30_000);
    const [row] = await target`select ltv from all_users where email = ${expected[0]!}`;
    expect(Number(row!.ltv)).toBe(5);
  });

  it('fills a new table with everyone in scope when the destination moves to it', async () => {
    const before = await tableEmails('all_users');
    await target`drop table if exists all_users_v2`;
    const moved = await api.request<{ configVersion: number }>(
      'PATCH',
      '/destinations/demo_all_users',
      { options: { table: 'all_users_v2', keyColumn: 'email' } },
    );
    expect(moved.configVersion).toBeGreaterThan(1);
    // Unchanged profiles too: what their baselines say was sent went to the old table.
    await eventually(async () => {
      const rows = await target`select count(*)::int as n from all_users_v2`.catch(() => [
        { n: 0 },
      ]);
      return rows[0]!.n === before.length;
    }, 90_000);
    expect(await tableEmails('all_users_v2')).toEqual(before);
    expect(await tableEmails('all_users')).toEqual(before); // the old table is left as it was
  }, 120_000);

  it('lists one workflow per destination and its initial sync run, by search attribute', async () => {
    const list = (query: string) =>
      eventually(async () => {
        const found = new Set<string>();
        for await (const wf of tw.client.workflow.list({ query })) found.add(wf.workflowId);
        return found.size > 0 && [...found];
      });
    // Runs that continued as new share the id: the operator sees one workflow.
    expect(
      await list(
        `OutflowDestinationId = 'demo_high_value' AND WorkflowType = 'destinationWorkflow'`,
      ),
    ).toEqual(['destination:demo_high_value']);
    const runs = await list(
      `OutflowDestinationId = 'demo_high_value' AND OutflowRunKind = 'initial'`,
    );
    expect(runs).toHaveLength(1);
    expect((runs as string[])[0]).toMatch(/^destination:demo_high_value:run:/);
  });
});
