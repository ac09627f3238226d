import { workflowInfo } from '@temporalio/workflow';
import type { DestinationWorkflowInput } from './definitions';

/**
 * When the destination workflow continues as new. After a worker restart, its first task
 * replays the whole run's history, so a bounded history keeps that task short (well under
 * Temporal's 10 s workflow task timeout). Defaults: 2,000 events, 1 MB, 200 batches.
 */
export function historyLimits(input: DestinationWorkflowInput) {
  return {
    maxEvents: input.maxHistoryEvents ?? 2000,
    maxBytes: input.maxHistoryBytes ?? 1_000_000,
    maxBatches: input.maxBatchesPerRun ?? 200,
  };
}

export function historyFull(
  limits: ReturnType<typeof historyLimits>,
  batchesThisRun: number,
): boolean {
  const info = workflowInfo();
  return (
    info.continueAsNewSuggested ||
    info.historyLength >= limits.maxEvents ||
    info.historySize >= limits.maxBytes ||
    batchesThisRun >= limits.maxBatches
  );
}

/**
 * Pending ids carried over continue-as-new: ~40 bytes each, so at most ~200 KB of input,
 * far below the 1 MB that would make the next run continue as new at once. The rest keep
 * their outbox rows, which the next run reads.
 */
export const maxCarriedProfileIds = 5000;
