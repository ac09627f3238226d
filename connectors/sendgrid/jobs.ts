import type { ExportChange, ExportOutcome } from '../types';
import type { SendgridApi } from './api';
import { outcomeOf } from './client';
import { emailOf } from './payload';

/**
 * How a contacts job ended, per change: `pending` keeps polling; `completed` completes all;
 * `errored` fails the contacts its errors file names and completes the others; `failed`
 * (nothing applied) fails all.
 */
export async function checkJob(
  api: SendgridApi,
  jobId: string,
  changes: ExportChange[],
  pollAfterMs: number,
): Promise<ExportOutcome[]> {
  const job = await api.job(jobId);
  if ('kind' in job) return changes.map((c) => outcomeOf(c.profileId, `read job ${jobId}`, job));
  if (job.status === 'pending') {
    return changes.map((c) => ({
      profileId: c.profileId,
      status: 'processing',
      jobId,
      pollAfterMs,
    }));
  }
  if (job.status === 'completed') {
    return changes.map((c) => ({ profileId: c.profileId, status: 'complete' }));
  }
  const url = job.results?.errors_url;
  const errors = url ? await api.jobErrors(url) : new Map<string, string>();
  if (!(errors instanceof Map)) {
    return changes.map((c) => outcomeOf(c.profileId, `read the errors of job ${jobId}`, errors));
  }
  return changes.map((c): ExportOutcome => {
    const email = emailOf(c.toDelete ? c.oldProperties : c.newProperties) ?? '';
    const error = errors.get(email);
    if (!error && job.status === 'errored') return { profileId: c.profileId, status: 'complete' };
    const message = `SendGrid job ${jobId} refused the contact: ${error ?? job.status}`;
    return { profileId: c.profileId, status: 'failed', level: 'error', message };
  });
}
