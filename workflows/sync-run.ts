import {
  CancellationScope,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SyncRunResult, SyncRunWorkflowInput } from './definitions';

// Counting a run is a few indexed queries: fail fast, retry often.
const { refreshSyncRun, cancelSyncRun } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Follows one sync run: the destination workflow does the exporting, this one recounts the
 * run from Postgres until none of its profiles is queued, then the run is complete. Operators
 * find it by `OutflowRunKind` and see its progress in its current details.
 */
export async function syncRunWorkflow(input: SyncRunWorkflowInput): Promise<SyncRunResult> {
  const pollIntervalMs = input.pollIntervalMs ?? 5000;
  try {
    for (;;) {
      const run = await refreshSyncRun({ runId: input.runId });
      if (run.state !== 'running') return run;
      setCurrentDetails(
        `${run.evaluated} of ${run.total} profiles evaluated: ${run.created} created, ` +
          `${run.updated} updated, ${run.deleted} deleted, ${run.unchanged} unchanged, ` +
          `${run.failed} failed`,
      );
      // A long re-sync polls for hours; a fresh run keeps history small.
      if (workflowInfo().continueAsNewSuggested) {
        return await continueAsNew<typeof syncRunWorkflow>(input);
      }
      // Polling, not signals from the destination workflow: the counts live in Postgres, and a
      // poll also notices a cancel made through the API.
      await sleep(pollIntervalMs);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Canceled from the Temporal UI or CLI: end the run in Postgres too, then end as canceled.
    await CancellationScope.nonCancellable(() =>
      cancelSyncRun({ runId: input.runId, reason: 'its workflow was canceled' }),
    );
    throw err;
  }
}
