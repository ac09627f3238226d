import { createApp } from '../../api/app';
import { destinations } from '../../db/schema';
import type { Db } from '../../db/client';
import { loadConfig } from '../../lib/config';
import { temporalNamespace } from './env';
import { createDestination, type DestinationFixture } from './fixtures';
import { startDestinationWorkflow, type TestWorker } from './worker';
import { eq } from 'drizzle-orm';

/**
 * The API in-process, sending its wake-ups and updates to a test worker's task queue, so a
 * request drives real workflows end to end.
 */
export function workerApi(db: Db, tw: TestWorker) {
  const apiKey = 'worker-api-key-0123456789';
  const config = loadConfig({
    TEMPORAL_NAMESPACE: temporalNamespace(),
    TEMPORAL_TASK_QUEUE: tw.taskQueue,
  });
  const app = createApp({ db, temporal: tw.client, config, apiKey });
  return async function call(method: string, path: string, body?: unknown) {
    const res = await app.request(path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const json: any = text ? JSON.parse(text) : null;
    return { status: res.status, body: json };
  };
}

/** A destination with its workflow running on the test worker with fast windows and polls. */
export async function runningDestination(db: Db, tw: TestWorker, fixture: DestinationFixture) {
  const destinationId = await createDestination(db, fixture);
  const handle = await startDestinationWorkflow(tw, destinationId, { runPollMs: 200 });
  return { destinationId, handle };
}

/** Marks a destination paused as the API does, before its workflow starts. */
export async function pauseRow(db: Db, destinationId: string): Promise<void> {
  await db.update(destinations).set({ paused: true }).where(eq(destinations.id, destinationId));
}
