import { access, mkdir, mkdtemp, chmod, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, type WorkflowHandleWithSignaledRunId } from '@temporalio/client';
import { Command } from 'commander';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import '../connectors/builtin';
import { createDb, type Db } from '../db/client';
import { runMigrations } from '../db/migrate';
import { apps, destinationChanges, destinations, profiles, properties } from '../db/schema';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { createOutflowWorker } from '../worker';
import {
  destinationDeletedSignal,
  destinationWorkflowId,
  destinationWorkflowType,
  outboxChangedSignal,
  statusQuery,
  type DestinationWorkflowInput,
} from '../workflows/definitions';
import { ensurePostgres } from './postgres';
import { freePort, until } from './processes';
import { startTemporal } from './temporal';

/**
 * `npm run capture-fixtures -- --label <change>`: runs the destination workflow through small
 * real scenarios on servers of its own (temporary folder) and saves their histories as JSON into
 * `test/fixtures/histories/<scenario>.<change>.json`, which `test/workflows/replay.test.ts`
 * replays. Capture after a deliberate, `patched()`-guarded workflow change, under the change's
 * name: older fixtures stand for workflows still running and are never overwritten or edited.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'test', 'fixtures', 'histories');
const taskQueue = 'capture-fixtures';
const stops: (() => Promise<unknown>)[] = [];

/** A webhook receiver that answers each delivery with the next queued status, then 200. */
async function startReceiver() {
  const replies: number[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(replies.shift() ?? 200).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stops.push(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, reply: (...s: number[]) => replies.push(...s) };
}

const { label } = new Command('capture-fixtures')
  .description('capture workflow histories from real runs as replay fixtures')
  .requiredOption('--label <change>', 'name of the workflow change these histories follow')
  .parse()
  .opts<{ label: string }>();
if (!/^[a-z0-9-]+$/.test(label)) {
  throw new Error(`--label: use lower-case letters, digits and dashes, got "${label}"`);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'outflow-capture-'));
  await chmod(tmp, 0o755); // embedded Postgres runs as `postgres` when we are root
  stops.push(() => rm(tmp, { recursive: true, force: true }));
  const base = loadConfig({ ...process.env, LOG_LEVEL: 'warn' });
  const config = { ...base, OUTFLOW_DATA_DIR: tmp, OUTFLOW_PG_PORT: await freePort() };
  const pg = await ensurePostgres(config);
  stops.push(pg.stop);
  const temporal = await startTemporal(config, { headless: true, port: await freePort() });
  stops.push(temporal.stop);
  const { db, close } = createDb(pg.url);
  stops.push(close);
  await runMigrations(db);

  const native = await NativeConnection.connect({ address: temporal.address });
  stops.push(() => native.close());
  const worker = await createOutflowWorker({
    db,
    connection: native,
    config: { TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE: taskQueue },
    retryBaseMs: 200,
  });
  const running = worker.run();
  stops.push(async () => {
    worker.shutdown();
    await running;
  });
  const connection = await Connection.connect({ address: temporal.address });
  stops.push(() => connection.close());
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const receiver = await startReceiver();

  await db.insert(properties).values({ key: 'email', type: 'email', unique: true });
  await db.insert(apps).values({
    id: 'hook',
    name: 'Capture webhook',
    type: 'webhook',
    options: { url: receiver.url, secret: 'capture-secret-0123456789' },
  });
  const scenario = new Scenario(db, client);

  // Three batches of two with at most two per run: the first run continues as new.
  const can = await scenario.start('continued', 5, { batchSize: 2, maxBatchesPerRun: 2 });
  const firstRun = can.signaledRunId;
  await until('the run continued as new', async () => (await can.describe()).runId !== firstRun);
  await scenario.idle('continued');
  await scenario.save('continued', 'continued-as-new', firstRun);

  // The receiver fails the first delivery: the profile waits for its retry time, then goes.
  receiver.reply(503);
  const retried = await scenario.start('retried', 1, {});
  await scenario.idle('retried');
  await scenario.save('retried', 'export-retried', retried.signaledRunId);
  await retried.terminate('fixture captured');

  // A deleted destination's workflow finishes what is in flight and ends.
  const deleted = await scenario.start('deleted', 2, {});
  await scenario.idle('deleted');
  await db
    .update(destinations)
    .set({ deletedAt: new Date() })
    .where(eq(destinations.id, 'deleted'));
  await deleted.signal(destinationDeletedSignal);
  await deleted.result();
  await scenario.save('deleted', 'destination-deleted', deleted.signaledRunId);
}

/** One destination with a few queued profiles, and its workflow on the capture task queue. */
class Scenario {
  constructor(
    private readonly db: Db,
    private readonly client: Client,
  ) {}

  async start(
    id: string,
    profileCount: number,
    input: Partial<DestinationWorkflowInput>,
  ): Promise<WorkflowHandleWithSignaledRunId> {
    await this.db.insert(destinations).values({
      id,
      name: `Capture ${id}`,
      appId: 'hook',
      collection: 'all',
      mapping: { id: 'email' },
    });
    const ids = Array.from({ length: profileCount }, (_, i) => `${id}-${i}`);
    await this.db
      .insert(profiles)
      .values(ids.map((p) => ({ id: p, properties: { email: `${p}@capture.example` } })));
    await this.db
      .insert(destinationChanges)
      .values(ids.map((p) => ({ destinationId: id, profileId: p })));
    return this.client.workflow.signalWithStart(destinationWorkflowType, {
      workflowId: destinationWorkflowId(id),
      taskQueue,
      args: [{ destinationId: id, batchWindowMs: 200, catchUpIntervalMs: 60_000, ...input }],
      signal: outboxChangedSignal,
      signalArgs: [],
    });
  }

  /** Waits until the outbox is empty and the workflow has nothing waiting or in flight. */
  async idle(id: string): Promise<void> {
    const handle = this.client.workflow.getHandle(destinationWorkflowId(id));
    await until(`${id} is idle`, async () => {
      const queued = await this.db
        .select()
        .from(destinationChanges)
        .where(eq(destinationChanges.destinationId, id));
      const s = await handle.query(statusQuery);
      return (
        queued.length === 0 && s.pendingProfiles + s.inFlightProfiles + s.waitingForRetry === 0
      );
    });
  }

  /** Writes the history of one run of destination `id`'s workflow to `<name>.json`. */
  async save(id: string, name: string, runId: string): Promise<void> {
    const handle = this.client.workflow.getHandle(destinationWorkflowId(id), runId);
    const history = await handle.fetchHistory();
    await mkdir(outDir, { recursive: true });
    const file = path.join(outDir, `${name}.${label}.json`);
    const exists = await access(file).then(
      () => true,
      () => false,
    );
    if (exists)
      throw new Error(`${file} exists: fixtures are never replaced; choose a new --label`);
    await writeFile(file, `${historyToJSON(history)}\n`);
    logger.info({ file, events: history.events?.length }, 'history saved');
  }
}

async function stopAll(): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => {});
}

main()
  .then(stopAll)
  .catch(async (err: unknown) => {
    const error = err as Error;
    logger.error({ err: { name: error.name, message: error.message } }, 'capture failed');
    await stopAll();
    process.exit(1);
  });
