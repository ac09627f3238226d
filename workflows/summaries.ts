import type { ExportBatchResult } from '../activities';

/** Text the destination workflow shows in the Temporal UI: ids and counts, never data. */

/** "1 profile", "100 profiles". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** An export activity's summary; the workflow knows only the count when scheduling it. */
export function exportSummary(profiles: number): string {
  return `export ${count(profiles, 'profile')}`;
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
