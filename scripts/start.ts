import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { count } from 'drizzle-orm';
import { ensureGroupRecomputeSchedule } from '../api/group-schedule';
import { ensureExportSweepSchedule } from '../api/retention-schedule';
import { startApi } from '../api/server';
import { closePostgresPools } from '../connectors/builtin';
import { createDb } from '../db/client';
import { runMigrations } from '../db/migrate';
import { destinations } from '../db/schema';
import { loadConfig, type Config } from '../lib/config';
import { logger, temporalLogger } from '../lib/logger';
import { createOutflowWorker, ensureDestinationWorkflows } from '../worker';
import { forgetRunning, recordRunning } from './running';
import { runDemo } from './demo';
import { ensurePostgres } from './postgres';
import { startTemporal } from './temporal';

/**
 * `npm start`: Postgres, migrations, Temporal, the worker and the API in one process, plus
 * demo data on an empty database. Ctrl-C stops the parts newest first, so nothing loses a
 * dependency while it is still finishing work.
 */

const log = logger.child({ component: 'start' });

const parts: { name: string; stop: () => unknown }[] = [];
let stopping: Promise<void> | undefined;

/** Records a started part; one that finishes starting after shutdown began is stopped at once. */
async function started(name: string, stop: () => unknown): Promise<void> {
  if (stopping) {
    await stop();
    throw new Error(`${name} started after shutdown began`);
  }
  parts.push({ name, stop });
}

function shutdown(exitCode: number): Promise<void> {
  stopping ??= (async () => {
    for (let part = parts.pop(); part; part = parts.pop()) {
      log.info({ part: part.name }, 'stopping');
      try {
        await part.stop();
      } catch (err) {
        log.error({ err, part: part.name }, 'failed to stop');
        exitCode = 1;
      }
    }
    log.info({ exitCode }, 'Outflow stopped');
    process.exit(exitCode);
  })();
  return stopping;
}

async function main(): Promise<void> {
  const config = loadConfig();
  // We stop the worker ourselves, in order; the SDK would otherwise act on Ctrl-C on its own.
  Runtime.install({
    logger: temporalLogger(logger.child({ component: 'temporal-sdk' })),
    shutdownSignals: [],
  });

  const postgres = await ensurePostgres(config);
  await started('Postgres', postgres.stop);
  const database = createDb(postgres.url);
  await started('database pool', database.close);
  await runMigrations(database.db);

  const temporal = await startTemporal(config);
  await started('Temporal', temporal.stop);
  const clientConnection = await Connection.connect({ address: temporal.address });
  await started('Temporal client', () => clientConnection.close());
  const client = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });

  const workerConnection = await NativeConnection.connect({ address: temporal.address });
  await started('worker connection', () => workerConnection.close());
  await started('connector pools', closePostgresPools);
  const worker = await createOutflowWorker({
    db: database.db,
    connection: workerConnection,
    config,
    exportRetentionDays: config.OUTFLOW_EXPORT_RETENTION_DAYS,
  });
  const running = worker.run();
  running.then(
    () => (stopping ? undefined : fail(new Error('the worker stopped unexpectedly'))),
    (err: unknown) => fail(err),
  );
  await started('worker', async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => {});
  });
  // A destination whose workflow was never started, or was lost, resumes here.
  await ensureDestinationWorkflows(client, database.db, config);
  await ensureGroupRecomputeSchedule(client, config.TEMPORAL_TASK_QUEUE);
  await ensureExportSweepSchedule(client, config.TEMPORAL_TASK_QUEUE);

  const apiKey = await loadApiKey(config);
  const api = await startApi({ db: database.db, temporal: client, config, apiKey });
  await started('API', api.close);

  await recordRunning(config, {
    pid: process.pid,
    apiUrl: api.url,
    temporalAddress: temporal.address,
    postgresPort: config.DATABASE_URL ? null : config.OUTFLOW_PG_PORT,
  });
  await started('running.json', () => forgetRunning(config));

  printBanner({
    apiUrl: api.url,
    apiKey,
    temporalUiUrl: temporal.uiUrl,
    temporal: temporal.address,
  });

  const [{ destinationCount } = { destinationCount: 0 }] = await database.db
    .select({ destinationCount: count() })
    .from(destinations);
  if (destinationCount === 0) {
    log.info('the database has no destinations yet: setting up the demo');
    const demo = await runDemo({ apiUrl: api.url, apiKey, databaseUrl: postgres.url });
    await started('demo stream', () => demo.stop());
  }
}

/** `OUTFLOW_API_KEY`, else the key kept in `<dataDir>/api-key`, made on first start. */
async function loadApiKey(config: Config): Promise<string> {
  if (config.OUTFLOW_API_KEY) return config.OUTFLOW_API_KEY;
  const dataDir = path.resolve(config.OUTFLOW_DATA_DIR);
  const file = path.join(dataDir, 'api-key');
  const kept = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (kept) return kept;
  const key = randomBytes(32).toString('hex');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  log.info({ file }, 'generated an API key');
  return key;
}

function printBanner(urls: {
  apiUrl: string;
  apiKey: string;
  temporalUiUrl: string | null;
  temporal: string;
}) {
  const { apiUrl, apiKey } = urls;
  const ui = urls.temporalUiUrl ?? `the Web UI of the Temporal server at ${urls.temporal}`;
  // The key is printed on purpose: this is the user's own terminal, and they need it to call.
  process.stdout.write(
    [
      '',
      'Outflow is running.',
      `  API          ${apiUrl}`,
      `  API docs     ${apiUrl}/docs`,
      `  Temporal UI  ${ui}`,
      `  API key      ${apiKey}`,
      '',
      'Try:',
      `  curl -H "Authorization: Bearer ${apiKey}" ${apiUrl}/destinations`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

function fail(err: unknown): void {
  if (stopping) return;
  log.error({ err }, 'Outflow failed');
  void shutdown(1);
}

// SIGHUP: the terminal was closed; without a handler we would die and orphan the servers.
// One Ctrl-C reaches npm, tsx and this process at once, and npm and tsx pass it on: signals
// within a second of the first are that same Ctrl-C, not a second one.
let firstSignalAt = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping && Date.now() - firstSignalAt < 1000) return;
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    firstSignalAt = Date.now();
    log.info({ signal }, 'shutting down');
    void shutdown(0);
  });
}

main().catch((err: unknown) => {
  if (stopping) return; // a signal interrupted start-up; shutdown() is already under way
  log.error({ err }, 'start-up failed');
  void shutdown(1);
});
