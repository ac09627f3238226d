import { continueAsNew, log, proxyActivities } from '@temporalio/workflow';
import type { RetentionActivities } from '../activities/retention';

/**
 * Deletes export rows older than the retention window (`OUTFLOW_EXPORT_RETENTION_DAYS`), a chunk
 * per activity so no statement holds locks for long. Started daily by the `sweep-exports`
 * schedule; each run is short and visible in the Temporal UI under that schedule.
 */

export const sweepExportsWorkflowType = 'sweepExportsWorkflow';
export const sweepExportsScheduleId = 'sweep-exports';

// One chunk is one short statement: fail fast, retry a few times, tomorrow's run catches up.
const { sweepExportsChunk } = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

export interface SweepExportsInput {
  /** export rows looked at per activity */
  chunkSize?: number;
  /** chunks per run before continuing as new, to keep history small */
  maxChunksPerRun?: number;
  /** carried over by continue-as-new */
  afterId?: number;
  deletedSoFar?: number;
}

export interface SweepExportsResult {
  deleted: number;
}

export async function sweepExportsWorkflow(
  input: SweepExportsInput = {},
): Promise<SweepExportsResult> {
  const limit = input.chunkSize ?? 1000;
  const maxChunks = input.maxChunksPerRun ?? 200;
  let afterId = input.afterId ?? 0;
  let deleted = input.deletedSoFar ?? 0;

  for (let chunk = 0; chunk < maxChunks; chunk++) {
    const result = await sweepExportsChunk({ afterId, limit });
    deleted += result.deleted;
    afterId = result.lastId;
    if (!result.more) {
      log.info('export sweep finished', { deleted });
      return { deleted };
    }
  }
  return continueAsNew<typeof sweepExportsWorkflow>({ ...input, afterId, deletedSoFar: deleted });
}
