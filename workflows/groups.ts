import { log, proxyActivities } from '@temporalio/workflow';
import type { GroupActivities, RecomputeResult } from '../activities/groups';

/**
 * Recomputes the groups whose rules are relative to now ("purchased in the last 60 days"),
 * so members drop out as time passes. Started by the `recompute-relative-groups` schedule;
 * each run is short and visible in the Temporal UI under that schedule.
 */

export const groupRecomputeWorkflowType = 'groupRecomputeWorkflow';
export const groupRecomputeScheduleId = 'recompute-relative-groups';

// One activity recomputes every relative group; a large one takes a few set-based statements.
const { recomputeRelativeGroups } = proxyActivities<GroupActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

export async function groupRecomputeWorkflow(): Promise<RecomputeResult> {
  const result = await recomputeRelativeGroups();
  log.info('relative groups recomputed', { ...result });
  return result;
}
