import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, ExportBatchResult } from '../activities';
import {
  destinationDeletedSignal,
  outboxChangedSignal,
  profilesChangedSignal,
  statusQuery,
  type DestinationWorkflowInput,
} from './definitions';

// Reads of the destination and the outbox are small queries: fail fast, retry often.
const { describeDestination, readOutbox } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// A batch may wait on a slow remote; heartbeats between chunks tell a stuck one from a slow one.
// Unlimited attempts: the activity is idempotent and the outbox keeps the work meanwhile.
const { exportBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export interface DestinationWorkflowResult {
  destinationId: string;
  /** why the workflow ended: the destination was deleted, or never existed */
  reason: 'deleted' | 'notFound';
}

/**
 * One long-lived workflow per destination: collects changed profile ids, batches them and runs
 * export activities, never two holding the same profile.
 */
export async function destinationWorkflow(
  input: DestinationWorkflowInput,
): Promise<DestinationWorkflowResult> {
  const { destinationId } = input;
  const batchWindowMs = input.batchWindowMs ?? 1000;
  const catchUpIntervalMs = input.catchUpIntervalMs ?? 30_000;
  const maxBatchesPerRun = input.maxBatchesPerRun ?? 500;
  const pending = new Set(input.pendingProfileIds ?? []);
  const retryAt = new Map(Object.entries(input.retryAt ?? {}));
  const inFlight = new Set<string>();
  let readOutboxNow = true; // every run starts by catching up with the outbox
  let outboxHasMore = false;
  let deleting = false;
  let batchesThisRun = 0;
  let lastBatchAt: string | null = null;

  setHandler(profilesChangedSignal, ({ profileIds }) => {
    for (const id of profileIds) pending.add(id);
  });
  setHandler(outboxChangedSignal, () => {
    readOutboxNow = true;
  });
  setHandler(destinationDeletedSignal, () => {
    deleting = true;
  });
  setHandler(statusQuery, () => ({
    destinationId,
    pendingProfiles: pending.size,
    inFlightProfiles: inFlight.size,
    waitingForRetry: retryAt.size,
    batchesThisRun,
    lastBatchAt,
    deleting,
  }));

  const destination = await describeDestination({ destinationId });
  if (!destination.found) return { destinationId, reason: 'notFound' };
  if (destination.deleted) return { destinationId, reason: 'deleted' };
  const batchSize = Math.max(1, input.batchSize ?? Math.max(destination.maxBatchSize, 100));
  const concurrency = Math.max(1, Math.min(input.concurrency ?? 2, destination.maxConcurrency));
  const running = new Set<Promise<void>>();
  let nextCatchUp = Date.now();

  // Profiles waiting for a retry stay out until their time, even if signalled again: the
  // remote asked us to wait, and they are re-planned with the newest data when they go.
  const ready = () => [...pending].filter((id) => !inFlight.has(id) && !retryAt.has(id));
  const releaseDueRetries = () => {
    const now = Date.now();
    for (const [id, at] of retryAt) {
      if (at <= now) {
        retryAt.delete(id);
        pending.add(id);
      }
    }
  };
  const nextWake = () => Math.min(nextCatchUp, ...retryAt.values()) - Date.now();
  const showDetails = () =>
    setCurrentDetails(
      `${destination.name} (${destination.type}): ${pending.size} waiting, ` +
        `${inFlight.size} exporting, ${retryAt.size} retrying`,
    );

  const runBatch = (profileIds: string[]) => {
    for (const id of profileIds) {
      pending.delete(id);
      inFlight.add(id);
    }
    batchesThisRun++;
    const batch = exportBatch
      .executeWithOptions({ summary: `export ${profileIds.length} profiles` }, [
        { destinationId, profileIds },
      ])
      .then(
        (result: ExportBatchResult) => {
          for (const r of result.retry) retryAt.set(r.profileId, r.notBefore);
          lastBatchAt = new Date().toISOString();
        },
        (err: unknown) => {
          // Only a non-retryable failure gets here; keep the profiles and try again later.
          // The message may quote remote data, so only its kind is logged.
          const failure = err instanceof Error ? err.name : 'unknown';
          log.error('export batch failed', { destinationId, profiles: profileIds.length, failure });
          const later = Date.now() + catchUpIntervalMs;
          for (const id of profileIds) retryAt.set(id, later);
        },
      )
      .finally(() => {
        for (const id of profileIds) inFlight.delete(id);
        running.delete(batch);
        showDetails();
      });
    running.add(batch);
  };

  const catchUp = async () => {
    readOutboxNow = false;
    const page = await readOutbox({
      destinationId,
      limit: batchSize * concurrency,
      excludeProfileIds: [...inFlight],
    });
    if (page.deleted) deleting = true;
    const before = pending.size;
    for (const id of page.profileIds) pending.add(id);
    // Page on only while pages bring new work; otherwise the timer reads it again.
    outboxHasMore = page.more && pending.size > before;
    nextCatchUp = Date.now() + catchUpIntervalMs;
  };

  while (!deleting) {
    if (batchesThisRun >= maxBatchesPerRun || workflowInfo().continueAsNewSuggested) break;

    // The outbox is the guarantee, signals only a shortcut: read it at start, when told, on a
    // timer (a signal may have been lost), and page by page while it holds more.
    const wantsMore = outboxHasMore && ready().length < batchSize && running.size < concurrency;
    if (readOutboxNow || wantsMore || Date.now() >= nextCatchUp) await catchUp();
    releaseDueRetries();
    showDetails();

    if (ready().length === 0 || running.size >= concurrency) {
      const before = { ready: ready().length, running: running.size };
      await condition(
        () =>
          deleting ||
          readOutboxNow ||
          running.size < before.running ||
          (running.size < concurrency && ready().length > before.ready),
        Math.max(nextWake(), 1),
      );
      continue;
    }

    // Wait a short window so a burst of signals becomes one batch, not one batch per signal.
    if (ready().length < batchSize) {
      await condition(() => deleting || ready().length >= batchSize, batchWindowMs);
      if (deleting) break;
    }
    const free = concurrency - running.size;
    const ids = ready();
    for (let i = 0; i < free && i * batchSize < ids.length; i++) {
      runBatch(ids.slice(i * batchSize, (i + 1) * batchSize));
    }
  }

  // Never end or hand over with a batch in flight: its results (retry times) belong to us.
  await condition(() => running.size === 0);
  await condition(allHandlersFinished);
  if (deleting) return { destinationId, reason: 'deleted' };

  // Keeps history bounded; everything not yet exported goes to the next run as plain JSON.
  return continueAsNew<typeof destinationWorkflow>({
    ...input,
    pendingProfileIds: [...pending],
    retryAt: Object.fromEntries(retryAt),
  });
}
