import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { eq, isNull } from 'drizzle-orm';
import { createActivities } from './activities';
import { createGroupActivities } from './activities/groups';
import { createRetentionActivities } from './activities/retention';
import { ensureGroupRecomputeSchedule } from './api/group-schedule';
import { ensureExportSweepSchedule } from './api/retention-schedule';
import { startDestinationWorkflow } from './api/temporal';
import './connectors/builtin';
import { createDb, type Db } from './db/client';
import { apps, destinations } from './db/schema';
import { loadConfig, type Config } from './lib/config';
import { logger, temporalLogger } from './lib/logger';

/** The worker process: runs destination workflows and their export activities. */

export interface OutflowWorkerOptions {
  db: Db;
  connection: NativeConnection;
  config: Pick<Config, 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE'>;
  taskQueue?: string;
  /** a prebuilt bundle (tests build it once); otherwise the workflows are bundled here */
  workflowBundle?: { codePath: string };
  /** first retry delay of a failing export, in ms (tests lower it) */
  retryBaseMs?: number;
  /** export rows older than this many days are swept (default 90) */
  exportRetentionDays?: number;
}

export async function createOutflowWorker(options: OutflowWorkerOptions): Promise<Worker> {
  const { db, connection, config, workflowBundle } = options;
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: options.taskQueue ?? config.TEMPORAL_TASK_QUEUE,
    activities: {
      ...createActivities({ db, retryBaseMs: options.retryBaseMs }),
      ...createGroupActivities({ db }),
      ...createRetentionActivities({ db, exportRetentionDays: options.exportRetentionDays ?? 90 }),
    },
    ...(workflowBundle
      ? { workflowBundle }
      : { workflowsPath: fileURLToPath(new URL('./workflows/index.ts', import.meta.url)) }),
  });
}

/**
 * Makes sure every live destination has a running workflow that has read its outbox: one that
 * was never started, or was lost, resumes here. Safe to run on every start and from many workers.
 */
export async function ensureDestinationWorkflows(
  client: Client,
  db: Db,
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>,
): Promise<number> {
  const live = await db
    .select({ id: destinations.id, name: destinations.name, type: apps.type })
    .from(destinations)
    .innerJoin(apps, eq(apps.id, destinations.appId))
    .where(isNull(destinations.deletedAt));
  for (const destination of live) {
    await startDestinationWorkflow(client, config.TEMPORAL_TASK_QUEUE, destination);
  }
  return live.length;
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS) {
    throw new Error('the worker needs DATABASE_URL and TEMPORAL_ADDRESS');
  }
  Runtime.install({ logger: temporalLogger(logger.child({ component: 'temporal-sdk' })) });
  const { db, close } = createDb(config.DATABASE_URL);
  const address = config.TEMPORAL_ADDRESS;
  const nativeConnection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  try {
    const worker = await createOutflowWorker({
      db,
      connection: nativeConnection,
      config,
      exportRetentionDays: config.OUTFLOW_EXPORT_RETENTION_DAYS,
    });
    const client = new Client({
      connection: clientConnection,
      namespace: config.TEMPORAL_NAMESPACE,
    });
    const count = await ensureDestinationWorkflows(client, db, config);
    await ensureGroupRecomputeSchedule(client, config.TEMPORAL_TASK_QUEUE);
    await ensureExportSweepSchedule(client, config.TEMPORAL_TASK_QUEUE);
    logger.info({ destinations: count, taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker started');
    // Resolves after SIGINT/SIGTERM, once in-flight activities finished or timed out.
    await worker.run();
    logger.info('worker stopped');
  } finally {
    await clientConnection.close();
    await nativeConnection.close();
    await close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    const error = err as Error;
    logger.error(
      { err: { name: error.name, message: error.message, stack: error.stack } },
      'worker failed',
    );
    process.exit(1);
  });
}
