import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePostgresPools } from '../../connectors/postgres';
import { apps, destinations } from '../../db/schema';
import { freePort } from '../../scripts/processes';
import { testDb } from '../helpers/db';
import { ensureProperties, keys, uid } from '../helpers/fixtures';
import { startToolDestination } from '../helpers/tool-destination';
import { eventually, startTestWorker, type TestWorker } from '../helpers/worker';
import { workerApi } from '../helpers/worker-api';
import { destinationWorkflowId } from '../../workflows/definitions';
import { inspector, targetUrl, uniqueName } from './postgres-fixtures';

/**
 * A target database that cannot be reached, or refuses the login, while profiles are being
 * exported: the batch is retried (nothing fails for good), what Temporal shows says why
 * without the password, and the export goes through once the app is fixed.
 */

const { db } = testDb();
const target = inspector();
const tables: string[] = [];
const password = 'Wr0ng-pa55word-in-export';
let tw: TestWorker;

beforeAll(async () => {
  await ensureProperties(db);
  tw = await startTestWorker(db, { retryBaseMs: 200 });
});
afterAll(async () => {
  await tw?.stop();
  for (const table of tables) await target`drop table if exists ${target(table)}`;
  await target.end();
  await closePostgresPools();
});

function targetWith(parts: { password?: string; port?: number }): string {
  const url = new URL(targetUrl());
  if (parts.password !== undefined) url.password = parts.password;
  if (parts.port !== undefined) url.port = String(parts.port);
  return url.toString();
}

async function startPostgresDestination(connectionString: string) {
  const table = uniqueName('pg_wf');
  tables.push(table);
  const destination = await startToolDestination(db, tw, {
    type: 'postgres',
    mapping: { email: keys.email, name: keys.name },
    appOptions: { connectionString, schema: 'public' },
    destinationOptions: { table, keyColumn: 'email' },
  });
  const handle = tw.client.workflow.getHandle(destinationWorkflowId(destination.destinationId));
  /** the failure of an activity Temporal has retried at least once */
  const retriedFailure = () =>
    eventually(async () => {
      const { raw } = await handle.describe();
      const retried = (raw.pendingActivities ?? []).find((a) => (a.attempt ?? 0) >= 2);
      return retried?.lastFailure?.message ?? null;
    });
  /** points the app at the working database */
  const repair = async () => {
    const [row] = await db
      .select({ appId: destinations.appId })
      .from(destinations)
      .where(eq(destinations.id, destination.destinationId));
    await db
      .update(apps)
      .set({ options: { connectionString: targetUrl(), schema: 'public' } })
      .where(eq(apps.id, row!.appId));
  };
  return { ...destination, table, retriedFailure, repair };
}

describe('postgres export while the target database is unavailable or refuses', () => {
  it('retries while the port refuses connections, then exports once it is reachable', async () => {
    const port = await freePort();
    const dest = await startPostgresDestination(targetWith({ password, port }));
    const profileId = uid('prf');
    const email = `${profileId}@example.com`;
    await dest.change(profileId, { email, name: 'Ada' });

    const message = await dest.retriedFailure();
    const database = decodeURIComponent(new URL(targetUrl()).pathname.slice(1));
    expect(message).toBe(
      `could not reach Postgres database "${database}" on 127.0.0.1:${port}: connection refused`,
    );
    expect(await dest.exports(profileId)).toEqual([]);

    await dest.repair();
    expect(await dest.settled(profileId, 1, 60_000)).toMatchObject({ state: 'complete' });
    expect(await target`select email, name from ${target(dest.table)}`).toEqual([
      { email, name: 'Ada' },
    ]);
  });

  it('retries while the password is refused, never showing it, then exports once fixed', async () => {
    const dest = await startPostgresDestination(targetWith({ password }));
    const profileId = uid('prf');
    await dest.change(profileId, { email: `${profileId}@example.com`, name: 'Bo' });

    const message = await dest.retriedFailure();
    expect(message).toMatch(/^Postgres database "[^"]+" on [^ ]+ refused: password authentication/);
    expect(message).not.toContain(password);
    expect(await dest.exports(profileId)).toEqual([]);
    // The API user sees why changes wait, without the Temporal UI.
    const call = workerApi(db, tw);
    const status = await call('GET', `/destinations/${dest.destinationId}/status`);
    expect(status.body.changesWaiting).toBe(1);
    expect(status.body.retryingActivities).toEqual([
      { activity: 'planBatch', attempt: expect.any(Number), lastFailure: message },
    ]);
    expect(JSON.stringify(status.body)).not.toContain(password);

    await dest.repair();
    expect(await dest.settled(profileId, 1, 60_000)).toMatchObject({ state: 'complete' });
  });
});
