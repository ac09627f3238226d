import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
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
import { ExportQueue } from './export-queue';
import { historyFull, historyLimits, maxCarriedProfileIds } from './history-limits';
import { OutboxSchedule } from './outbox-schedule';
import { Pacer } from './pacer';
import { forgetEndedRuns, startRunWorkflows } from './run-children';
import {
  batchLine,
  exportSummary,
  legacyExportSummary,
  mergeResults,
  planOnlyResult,
  planSummary,
  retryRunSummary,
  toSendCount,
} from './summaries';
import { WakeTimer } from './wake-timer';

// Reads of the destination and the outbox are small queries: fail fast, retry often.
const { describeDestination, readOutbox, retryExports } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// Planning reads our database and, for tools that list their fields, the tool itself; so it
// is an ordinary activity, not a local one that would hold the workflow task (and a worker's
// shutdown) while a tool is down.
const { planBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Marks histories whose batches are planned before they are exported. */
const planBeforeExportPatch = 'plan-before-export';

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
  const maxCatchUpIntervalMs = Math.max(input.maxCatchUpIntervalMs ?? 300_000, catchUpIntervalMs);
  const limitsOfRun = historyLimits(input);
  const queue = new ExportQueue(input);
  const running = new Set<Promise<void>>();
  const startedRuns = new Set(input.startedRunIds ?? []);
  const wake = new WakeTimer();
  const outbox = new OutboxSchedule(catchUpIntervalMs, maxCatchUpIntervalMs, Date.now());
  const pacer = new Pacer();
  let autoRetryDue = true;
  let deleting = false;
  let paused = input.paused ?? false;
  let batchesThisRun = 0;
  let lastBatch = 'none yet';
  let lastBatchAt: string | null = null;
  // Limits and settings are known once the destination is read; until then, safe defaults.
  let described: { type: string } | null = null;
  let limits = { maxBatchSize: 100, maxConcurrency: 1 };
  let settings: DestinationSettings = input.settings ?? {};
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
    pacer.setRate(settings.maxProfilesPerSecond);
  };
  const control = (): ControlState => ({
    paused,
    concurrency,
    batchSize,
    maxProfilesPerSecond: pacer.rate,
    pendingProfiles: queue.pendingCount,
    inFlightProfiles: queue.inFlightCount,
  });
  const noteActivity = () => outbox.noteActivity(Date.now());

  setHandler(profilesChangedSignal, ({ profileIds }) => {
    noteActivity();
    queue.add(profileIds);
  });
  setHandler(outboxChangedSignal, () => {
    noteActivity();
    outbox.requested = true;
  });
  setHandler(destinationDeletedSignal, () => {
    deleting = true;
  });
  setHandler(statusQuery, () => ({
    destinationId,
    pendingProfiles: queue.pendingCount,
    inFlightProfiles: queue.inFlightCount,
    waitingForRetry: queue.retryingCount,
    batchesThisRun,
    lastBatchAt,
    deleting,
    paused,
    concurrency,
    batchSize,
    maxProfilesPerSecond: pacer.rate,
  }));
  setHandler(pauseUpdate, async () => {
    noteActivity();
    paused = true;
    controlEpoch++;
    showDetails();
    // Answer once nothing is exporting, so "paused" means no batch runs from here on; a
    // batch stuck on a slow remote is reported as still in flight instead of blocking.
    await condition(() => running.size === 0, '30 seconds');
    return control();
  });
  setHandler(resumeUpdate, () => {
    noteActivity();
    paused = false;
    controlEpoch++;
    outbox.requested = true; // what accumulated meanwhile drains from the outbox
    showDetails();
    return control();
  });
  setHandler(
    updateSettingsUpdate,
    (next) => {
      noteActivity();
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
      noteActivity();
      const { profileIds, ...result } = await retryExports({ ...filter, destinationId });
      if (result.runId) {
        const summary = retryRunSummary(filter.mode ?? 'fresh', result.queued);
        await followRuns([{ id: result.runId, kind: 'retry', summary }]);
        queue.add(profileIds);
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

  function showDetails() {
    setCurrentDetails(
      `${paused ? 'PAUSED' : 'running'} · ${queue.pendingCount}${outbox.moreWaiting ? '+' : ''} ` +
        `changes waiting · ${queue.inFlightCount} exporting · ${queue.retryingCount} retrying · ` +
        `concurrency ${concurrency}, batch ${batchSize}` +
        (pacer.rate === null ? '' : `, at most ${pacer.rate} profiles/s`) +
        ` · last batch: ${lastBatch}`,
    );
  }

  // Profiles waiting for a retry stay out of batches until their time, even if signalled
  // again: the remote asked us to wait, and they are re-planned with the newest data then.
  const runBatch = (profileIds: string[]) => {
    let retries: ExportBatchResult['retry'] = [];
    batchesThisRun++;
    const batch = exportProfiles(profileIds)
      .then(
        (result: ExportBatchResult) => {
          retries = result.retry;
          lastBatchAt = new Date().toISOString();
          lastBatch = batchLine(lastBatchAt, profileIds.length, result);
        },
        (err: unknown) => {
          // Only a non-retryable failure gets here; keep the profiles and try again later.
          // The message may quote remote data, so only its kind is logged.
          const failure = err instanceof Error ? err.name : 'unknown';
          log.error('export batch failed', { destinationId, profiles: profileIds.length, failure });
          const later = Date.now() + catchUpIntervalMs;
          retries = profileIds.map((profileId) => ({ profileId, notBefore: later }));
        },
      )
      .finally(() => {
        queue.finish(profileIds, retries);
        outbox.batchFinished();
        running.delete(batch);
        showDetails();
      });
    running.add(batch);
  };

  // A batch is planned first, so its export activity can say in the UI what it sends ("export
  // 100 profiles: 3 create, 90 update, 7 delete"); a batch with nothing to send ends there.
  // Runs recorded before this existed exported in one activity, and replay that way.
  async function exportProfiles(profileIds: string[]): Promise<ExportBatchResult> {
    if (!patched(planBeforeExportPatch)) {
      return exportBatch.executeWithOptions({ summary: legacyExportSummary(profileIds.length) }, [
        { destinationId, profileIds },
      ]);
    }
    const plan = await planBatch.executeWithOptions({ summary: planSummary(profileIds.length) }, [
      { destinationId, profileIds },
    ]);
    if (toSendCount(plan) === 0) return { ...planOnlyResult(plan), retry: [] };
    const sent = await exportBatch.executeWithOptions({ summary: exportSummary(plan) }, [
      { destinationId, profileIds },
    ]);
    return mergeResults(plan, sent);
  }

  const catchUp = async (byTimer: boolean) => {
    outbox.requested = false;
    const epoch = controlEpoch;
    const autoRetry = settings.autoRetry ?? input.autoRetry ?? defaultAutoRetry;
    const page = await readOutbox({
      destinationId,
      limit: batchSize * concurrency,
      excludeProfileIds: queue.inFlightIds(),
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
    const before = queue.pendingCount;
    queue.add(page.profileIds);
    const broughtWork = queue.pendingCount > before;
    outbox.read(Date.now(), { more: page.more, broughtWork, runs: runs.length, byTimer });
  };

  while (!deleting) {
    if (historyFull(limitsOfRun, batchesThisRun)) break;

    // The outbox is the guarantee, signals only a shortcut: read it at start, when told, on a
    // timer (a signal may have been lost), and page by page while it holds more.
    const timerDue = outbox.timerDue(Date.now());
    if (timerDue) autoRetryDue = true;
    const wantsPage =
      !paused &&
      running.size < concurrency &&
      outbox.wantsPage({ ready: queue.readyCount, batchSize, running: running.size });
    if (outbox.requested || timerDue || wantsPage) await catchUp(timerDue);
    queue.releaseDueRetries(Date.now());
    showDetails();

    // The rate limit holds the next batch back until the last one's share of time has passed.
    const paced = pacer.notBefore > Date.now();
    if (paused || queue.readyCount === 0 || running.size >= concurrency || paced) {
      const pacedUntil = paced ? pacer.notBefore : Infinity;
      wake.wakeBy(Math.min(outbox.nextCatchUp, queue.nextRetryAt, pacedUntil));
      const before = {
        ready: queue.readyCount,
        running: running.size,
        epoch: controlEpoch,
        fired: wake.fired,
        nextCatchUp: outbox.nextCatchUp,
      };
      await condition(
        () =>
          deleting ||
          historyFull(limitsOfRun, batchesThisRun) || // signals pile up even while paused
          outbox.requested ||
          controlEpoch !== before.epoch ||
          wake.fired !== before.fired ||
          outbox.nextCatchUp !== before.nextCatchUp ||
          running.size < before.running ||
          (!paused && running.size < concurrency && queue.readyCount > before.ready),
      );
      continue;
    }

    // Wait a short window so a burst of signals becomes one batch, not one batch per signal.
    const size = pacer.batchCap(batchSize);
    if (queue.readyCount < size) {
      await condition(() => deleting || paused || queue.readyCount >= size, batchWindowMs);
      if (deleting) break;
      if (paused) continue;
    }
    for (let free = concurrency - running.size; free > 0 && queue.readyCount > 0; free--) {
      if (pacer.notBefore > Date.now()) break;
      const profileIds = queue.take(size);
      pacer.started(profileIds.length, Date.now());
      runBatch(profileIds);
    }
  }

  // Never end or hand over with a batch in flight: its results (retry times) belong to us.
  await condition(() => running.size === 0);
  await condition(allHandlersFinished);
  if (deleting) return { destinationId, reason: 'deleted' };

  // Everything not yet exported goes to the next run as plain JSON: pending ids (up to a
  // bound; the rest stay in the outbox), retry times, the pause flag, live settings, runs.
  const { dropped, ...carried } = queue.carryOver(maxCarriedProfileIds);
  if (dropped > 0) log.info('left pending profiles to the outbox', { destinationId, dropped });
  return continueAsNew<typeof destinationWorkflow>({
    ...input,
    ...carried,
    paused,
    settings,
    startedRunIds: [...startedRuns],
  });
}
