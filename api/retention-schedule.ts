import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { logger } from '../lib/logger';
import { sweepExportsScheduleId, sweepExportsWorkflowType } from '../workflows/retention';

/**
 * Creates the daily Temporal Schedule that sweeps old export rows, unless it exists. Safe to
 * run on every worker start; an existing schedule is left as it is, so a time changed in the
 * Temporal UI survives restarts. The retention window is the worker's config, not an argument.
 */
export async function ensureExportSweepSchedule(
  client: Client,
  taskQueue: string,
  options: { every?: string; scheduleId?: string } = {},
): Promise<'created' | 'exists'> {
  const scheduleId = options.scheduleId ?? sweepExportsScheduleId;
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: options.every ?? '1 day' }] },
      action: {
        type: 'startWorkflow',
        workflowType: sweepExportsWorkflowType,
        workflowId: scheduleId,
        taskQueue,
        args: [{}],
      },
      // A sweep still going when the next is due leaves nothing for the next one to do.
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      memo: { purpose: 'Deletes export rows older than OUTFLOW_EXPORT_RETENTION_DAYS' },
    });
    logger.info({ scheduleId }, 'export sweep schedule created');
    return 'created';
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) return 'exists';
    throw error;
  }
}
