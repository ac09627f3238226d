import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import {
  destinationIdSearchAttribute,
  destinationTypeSearchAttribute,
  runKindSearchAttribute,
} from '../lib/search-attributes';
import { syncRunWorkflowId, type RunRef } from './definitions';
import { syncRunWorkflow } from './sync-run';

/**
 * Starts the workflow that follows each sync run, once. Runs are created in Postgres (by the
 * API, or a retry), so the destination workflow learns of them when it reads the outbox.
 */
export async function startRunWorkflows(options: {
  destinationId: string;
  destination: { type: string };
  runs: RunRef[];
  /** runs already started by this workflow (or the run it continued from) */
  startedRuns: Set<string>;
  pollIntervalMs: number;
}): Promise<void> {
  const { destinationId, destination, startedRuns } = options;
  for (const run of options.runs) {
    if (startedRuns.has(run.id)) continue;
    startedRuns.add(run.id);
    try {
      await startChild(syncRunWorkflow, {
        workflowId: syncRunWorkflowId(destinationId, run.id),
        args: [{ destinationId, runId: run.id, pollIntervalMs: options.pollIntervalMs }],
        // A run outlives the destination workflow's continue-as-new.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: runKindSearchAttribute, value: run.kind },
          { key: destinationIdSearchAttribute, value: destinationId },
          { key: destinationTypeSearchAttribute, value: destination.type },
        ],
        staticSummary: run.summary,
      });
    } catch (err) {
      // Started before a restart that forgot it: it is running (or done), which is all we want.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}

/**
 * Forgets runs no longer running, so the set carried over continue-as-new stays small. A run
 * forgotten too early only costs a start attempt that is refused as a duplicate.
 */
export function forgetEndedRuns(startedRuns: Set<string>, running: RunRef[]): void {
  const live = new Set(running.map((r) => r.id));
  for (const id of startedRuns) if (!live.has(id)) startedRuns.delete(id);
}
