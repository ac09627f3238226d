import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { and, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { destinations } from '../../db/schema';
import { createOutflowWorker } from '../../worker';
import type { destinationWorkflow } from '../../workflows/destination';
import {
  destinationWorkflowId,
  destinationWorkflowType,
  outboxChangedSignal,
  type DestinationWorkflowInput,
} from '../../workflows/definitions';
import { temporalAddress, temporalNamespace, workflowBundle } from './env';

/**
 * A worker on the test run's Temporal server and Postgres (see `global-setup.ts`), on its own
 * task queue, with fast export retries so tests run in seconds.
 */

export interface TestWorker {
  client: Client;
  /** workflow ids started through this worker's helpers, terminated by `stop()` */
  started: Set<string>;
  taskQueue: string;
  worker: Worker;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export async function startTestWorker(db: Db, options: { retryBaseMs?: number } = {}) {
  if (!runtimeInstalled) {
    // The SDK's info logs would drown the test output; warnings still show.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const address = temporalAddress();
  const namespace = temporalNamespace();
  const taskQueue = `engine-test-${randomUUID().slice(0, 8)}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await createOutflowWorker({
    db,
    connection: nativeConnection,
    config: { TEMPORAL_NAMESPACE: namespace, TEMPORAL_TASK_QUEUE: taskQueue },
    workflowBundle: workflowBundle(),
    retryBaseMs: options.retryBaseMs ?? 200,
  });
  const runningWorker = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const started = new Set<string>();
  return {
    started,
    client,
    taskQueue,
    worker,
    async stop() {
      // Leave no workflow behind on the shared server: they would wait for this task queue.
      // The API under test starts workflows too (signalWithStart), so ask the server which run
      // here. Their destinations are marked deleted: another file's API would otherwise route
      // its changes to them and start them again on its own queue, without their connector.
      const ids = new Set(started);
      const running = client.workflow.list({
        query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
      });
      for await (const info of running) ids.add(info.workflowId);
      const destinationIds = [...ids]
        .filter((id) => id.startsWith('destination:') && !id.includes(':run:'))
        .map((id) => id.slice('destination:'.length));
      if (destinationIds.length > 0) {
        await db
          .update(destinations)
          .set({ deletedAt: new Date() })
          .where(and(inArray(destinations.id, destinationIds), isNull(destinations.deletedAt)));
      }
      await Promise.allSettled(
        [...ids].map((id) => client.workflow.getHandle(id).terminate('test finished')),
      );
      worker.shutdown();
      await runningWorker;
      await connection.close();
      await nativeConnection.close();
    },
  } satisfies TestWorker;
}

/** Fast defaults for tests: short windows and catch-up, overridable per test. */
export async function startDestinationWorkflow(
  tw: TestWorker,
  destinationId: string,
  input: Partial<DestinationWorkflowInput> = {},
): Promise<WorkflowHandle<typeof destinationWorkflow>> {
  tw.started.add(destinationWorkflowId(destinationId));
  return tw.client.workflow.signalWithStart<typeof destinationWorkflow, []>(
    destinationWorkflowType,
    {
      workflowId: destinationWorkflowId(destinationId),
      taskQueue: tw.taskQueue,
      args: [{ destinationId, batchWindowMs: 200, catchUpIntervalMs: 60_000, ...input }],
      signal: outboxChangedSignal,
      signalArgs: [],
      workflowIdConflictPolicy: 'TERMINATE_EXISTING',
    },
  ) as Promise<WorkflowHandle<typeof destinationWorkflow>>;
}

/** Polls until `check` returns a truthy value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms: ${String(last ?? '')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
