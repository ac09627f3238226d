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
import type { DestinationSettings } from '../db/schema';
import {
  defaultAutoRetry,
  destinationDeletedSignal,
  outboxChangedSignal,
  pauseUpdate,
  profilesChangedSignal,
  resumeUpdate,
  retryExportsUpdate,
  statusQuery,
  updateSettingsUpdate,
  validateRetryFilter,
  validateSettings,
  type ControlState,
  type DestinationWorkflowInput,
  type RunRef,
} from './definitions';
import { forgetEndedRuns, startRunWorkflows } from './run-children';

// Reads of the destination and the outbox are small queries: fail fast, retry often.
const { describeDestination, readOutbox, retryExports } = proxyActivities<Activities>({
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
 * export activities, never two holding the same profile. Operators pause it, resume it, change
 * its throughput and retry failed exports through updates.
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
  const running = new Set<Promise<void>>();
  const startedRuns = new Set(input.startedRunIds ?? []);
  let readOutboxNow = true; // every run starts by catching up with the outbox
  let outboxHasMore = false;
  let autoRetryDue = true;
  let deleting = false;
  let paused = input.paused ?? false;
  let batchesThisRun = 0;
  let lastBatch = 'none yet';
  let lastBatchAt: string | null = null;
  // Limits and settings are known once the destination is read; until then, safe defaults.
  let described: { type: string } | null = null;
  let limits = { maxBatchSize: 100, maxConcurrency: 1 };
  let settings: DestinationSettings = {};
  let batchSize = 100;
  let concurrency = 1;
  // Bumped by every operator command, so a database read that started before it cannot undo it.
  let controlEpoch = 0;

  const applySettings = (next: DestinationSettings) => {
    settings = { ...settings, ...next };
    const size = settings.batchSize ?? input.batchSize ?? Math.max(limits.maxBatchSize, 100);
    batchSize = Math.max(1, size);
    const wanted = settings.concurrency ?? input.concurrency ?? 2;
    concurrency = Math.max(1, Math.min(wanted, limits.maxConcurrency));
  };
  const control = (): ControlState => ({
    paused,
    concurrency,
    batchSize,
    pendingProfiles: pending.size,
    inFlightProfiles: inFlight.size,
  });

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
    paused,
    concurrency,
    batchSize,
  }));
  setHandler(pauseUpdate, async () => {
    paused = true;
    controlEpoch++;
    showDetails();
    // Answer once nothing is exporting, so "paused" means no batch runs from here on; a
    // batch stuck on a slow remote is reported as still in flight instead of blocking.
    await condition(() => running.size === 0, '30 seconds');
    return control();
  });
  setHandler(resumeUpdate, () => {
    paused = false;
    controlEpoch++;
    readOutboxNow = true; // what accumulated meanwhile drains from the outbox
    showDetails();
    return control();
  });
  setHandler(
    updateSettingsUpdate,
    (next) => {
      applySettings(next);
      controlEpoch++;
      showDetails();
      return control();
    },
    { validator: validateSettings },
  );
  setHandler(
    retryExportsUpdate,
    async (filter) => {
      const { profileIds, ...result } = await retryExports({ ...filter, destinationId });
      if (result.runId) {
        const summary = `Retry (${filter.mode ?? 'fresh'}) of ${result.queued} failed exports`;
        await followRuns([{ id: result.runId, kind: 'retry', summary }]);
        for (const id of profileIds) pending.add(id);
      }
      return result;
    },
    { validator: validateRetryFilter },
  );

  async function followRuns(runs: RunRef[]) {
    // An update may arrive before the destination was read; its type names the run.
    await condition(() => described !== null);
    const pollIntervalMs = input.runPollMs ?? 5000;
    await startRunWorkflows({
      destinationId,
      destination: described!,
      runs,
      startedRuns,
      pollIntervalMs,
    });
  }

  const destination = await describeDestination({ destinationId });
  if (!destination.found) return { destinationId, reason: 'notFound' };
  if (destination.deleted) return { destinationId, reason: 'deleted' };
  described = destination;
  limits = destination;
  applySettings(destination.settings);
  if (controlEpoch === 0) paused = destination.paused; // the row is the truth at start
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
  function showDetails() {
    setCurrentDetails(
      `${paused ? 'PAUSED' : 'running'} · ${pending.size}${outboxHasMore ? '+' : ''} changes ` +
        `waiting · ${inFlight.size} exporting · ${retryAt.size} retrying · concurrency ` +
        `${concurrency}, batch ${batchSize} · last batch: ${lastBatch}`,
    );
  }

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
          lastBatch =
            `${lastBatchAt}, ${profileIds.length} profiles: ${result.created} created, ` +
            `${result.updated} updated, ${result.deleted} deleted, ${result.unchanged} ` +
            `unchanged, ${result.failed} failed, ${result.retry.length} to retry`;
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
    const epoch = controlEpoch;
    const autoRetry = settings.autoRetry ?? input.autoRetry ?? defaultAutoRetry;
    const page = await readOutbox({
      destinationId,
      limit: batchSize * concurrency,
      excludeProfileIds: [...inFlight],
      autoRetry: autoRetryDue ? autoRetry : undefined,
    });
    autoRetryDue = false;
    if (page.deleted) deleting = true;
    // The row reconciles a command whose update never arrived, unless one arrived meanwhile.
    if (epoch === controlEpoch && !page.deleted) {
      paused = page.paused ?? paused;
      applySettings(page.settings ?? {});
    }
    // A worker of an older version answers without runs; nothing to follow then.
    const runs = page.runs ?? [];
    await followRuns(runs);
    forgetEndedRuns(startedRuns, runs);
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
    const wantsMore =
      !paused && outboxHasMore && ready().length < batchSize && running.size < concurrency;
    const timerDue = Date.now() >= nextCatchUp;
    if (timerDue) autoRetryDue = true;
    if (readOutboxNow || wantsMore || timerDue) await catchUp();
    releaseDueRetries();
    showDetails();

    if (paused || ready().length === 0 || running.size >= concurrency) {
      const before = { ready: ready().length, running: running.size, epoch: controlEpoch };
      await condition(
        () =>
          deleting ||
          readOutboxNow ||
          controlEpoch !== before.epoch ||
          running.size < before.running ||
          (!paused && running.size < concurrency && ready().length > before.ready),
        Math.max(nextWake(), 1),
      );
      continue;
    }

    // Wait a short window so a burst of signals becomes one batch, not one batch per signal.
    if (ready().length < batchSize) {
      await condition(() => deleting || paused || ready().length >= batchSize, batchWindowMs);
      if (deleting) break;
      if (paused) continue;
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
    paused,
    startedRunIds: [...startedRuns],
  });
}
