import type { ExportBatchResult, PlanBatchResult } from '../activities';

/** Text the destination workflow shows in the Temporal UI: ids and counts, never data. */

/** "1 profile", "100 profiles". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The summary export activities had before batches were planned first (old histories). */
export function legacyExportSummary(profiles: number): string {
  return `export ${count(profiles, 'profile')}`;
}

/** A plan activity's summary: "plan 100 profiles". */
export function planSummary(profiles: number): string {
  return `plan ${count(profiles, 'profile')}`;
}

/** How many exports of a plan go to the remote (job checks included). */
export function toSendCount(plan: PlanBatchResult): number {
  return plan.create + plan.update + plan.delete + plan.jobChecks;
}

/** "export 100 profiles: 3 create, 90 update, 7 delete" (and ", 2 job checks" when waiting). */
export function exportSummary(plan: PlanBatchResult): string {
  const sending = plan.create + plan.update + plan.delete;
  const parts = [`${plan.create} create`, `${plan.update} update`, `${plan.delete} delete`];
  if (plan.jobChecks > 0) parts.push(count(plan.jobChecks, 'job check'));
  return `export ${count(sending, 'profile')}: ${parts.join(', ')}`;
}

/** A batch that had nothing to send, as an export result. */
export function planOnlyResult(plan: PlanBatchResult): Omit<ExportBatchResult, 'retry'> {
  const { unchanged, skipped, failed, canceled } = plan;
  return { created: 0, updated: 0, deleted: 0, unchanged, skipped, failed, canceled };
}

/**
 * A planned and exported batch as one result. Profiles the plan finished (unchanged, failed,
 * canceled) are skipped by the export, so its own `skipped` would count them twice.
 */
export function mergeResults(plan: PlanBatchResult, sent: ExportBatchResult): ExportBatchResult {
  return {
    ...sent,
    unchanged: plan.unchanged + sent.unchanged,
    skipped: plan.skipped,
    failed: plan.failed + sent.failed,
    canceled: plan.canceled + sent.canceled,
  };
}

/** A retry run's static summary. */
export function retryRunSummary(mode: string, queued: number): string {
  return `Retry (${mode}) of ${count(queued, 'failed export')}`;
}

/** The last batch, as the current details show it. */
export function batchLine(at: string, profiles: number, result: ExportBatchResult): string {
  return (
    `${at}, ${count(profiles, 'profile')}: ${result.created} created, ${result.updated} ` +
    `updated, ${result.deleted} deleted, ${result.unchanged} unchanged, ${result.failed} ` +
    `failed, ${result.retry.length} to retry`
  );
}
