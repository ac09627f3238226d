import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { createDb } from '../db/client';
import { runMigrations } from '../db/migrate';
import { loadConfig } from '../lib/config';
import { ensurePostgres } from '../scripts/postgres';
import { freePort } from '../scripts/processes';
import { startTemporal } from '../scripts/temporal';

/**
 * Starts what the suites share, once per run: a fresh embedded Postgres (unless
 * `DATABASE_URL`), migrated; a headless Temporal dev server (unless `TEMPORAL_ADDRESS`) with
 * Outflow's search attributes; and the workflow bundle. Test files reach them through
 * environment variables (see `test/helpers/env.ts`), which forked workers inherit.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const config = loadConfig();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'outflow-test-'));
  // Postgres runs as the `postgres` user when we are root: it must reach its folder.
  await chmod(tmp, 0o755);

  const stops: (() => Promise<void>)[] = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop();
    await rm(tmp, { recursive: true, force: true });
  };

  // The three are independent; starting them together saves seconds on every run.
  const results = await Promise.allSettled([
    (async () => {
      const postgres = config.DATABASE_URL
        ? { url: config.DATABASE_URL, stop: async () => {} }
        : await ensurePostgres({
            ...config,
            OUTFLOW_DATA_DIR: tmp,
            OUTFLOW_PG_PORT: await freePort(),
          });
      stops.push(postgres.stop);
      const database = createDb(postgres.url, { max: 1 });
      try {
        await runMigrations(database.db);
      } finally {
        await database.close();
      }
      return postgres.url;
    })(),
    (async () => {
      const temporal = config.TEMPORAL_ADDRESS
        ? await startTemporal(config)
        : await startTemporal(config, { dataDir: tmp, port: await freePort(), headless: true });
      stops.push(temporal.stop);
      return temporal.address;
    })(),
    (async () => {
      const { code } = await bundleWorkflowCode({
        workflowsPath: path.join(root, 'workflows', 'index.ts'),
        logger: new DefaultLogger('WARN'),
      });
      const file = path.join(tmp, 'workflow-bundle.js');
      await writeFile(file, code);
      return file;
    })(),
  ]);
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) {
    await teardown();
    throw failure.reason;
  }
  const [databaseUrl, temporalAddress, bundle] = results.map((r) =>
    r.status === 'fulfilled' ? r.value : '',
  );
  process.env.DATABASE_URL = databaseUrl;
  process.env.TEMPORAL_ADDRESS = temporalAddress;
  process.env.TEMPORAL_NAMESPACE = config.TEMPORAL_NAMESPACE;
  process.env.OUTFLOW_WORKFLOW_BUNDLE = bundle;
  return teardown;
}
