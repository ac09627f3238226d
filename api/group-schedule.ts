import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { logger } from '../lib/logger';
import { groupRecomputeScheduleId, groupRecomputeWorkflowType } from '../workflows/groups';

/**
 * Creates the Temporal Schedule that recomputes relative-date groups, unless it exists.
 * Safe to run on every worker start. An existing schedule is left as it is, so an interval
 * changed in the Temporal UI survives restarts.
 */
export async function ensureGroupRecomputeSchedule(
  client: Client,
  taskQueue: string,
  options: { every?: string; scheduleId?: string } = {},
): Promise<'created' | 'exists'> {
  const scheduleId = options.scheduleId ?? groupRecomputeScheduleId;
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: options.every ?? '1 hour' }] },
      action: {
        type: 'startWorkflow',
        workflowType: groupRecomputeWorkflowType,
        workflowId: scheduleId,
        taskQueue,
        args: [],
      },
      // A run still going when the next is due makes the next one pointless.
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      memo: { purpose: 'Recomputes groups with relative date rules as time passes' },
    });
    logger.info({ scheduleId }, 'group recompute schedule created');
    return 'created';
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) return 'exists';
    throw error;
  }
}
