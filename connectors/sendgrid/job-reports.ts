import type { Failed, SendgridApi } from './api';

/**
 * How SendGrid jobs ended, read from `GET /v3/marketing/contacts/imports/{id}` and, when it
 * names refused contacts, their errors file. One export may wait for several jobs and one job
 * serves many exports, so finished jobs are remembered for a while instead of read again for
 * every export that asks.
 */

export interface JobReport {
  id: string;
  status: 'pending' | 'completed' | 'errored' | 'failed';
  /** refused contacts by lower-cased email, with SendGrid's reason */
  errors: Map<string, string>;
}

const keepMs = 15 * 60_000;
const maxKept = 2_000;
const finished = new Map<string, { at: number; report: JobReport }>();

function remember(key: string, report: JobReport, now: number) {
  finished.set(key, { at: now, report });
  for (const [k, entry] of finished) {
    if (finished.size <= maxKept && now - entry.at < keepMs) break;
    finished.delete(k);
  }
}

/** The reports of `jobIds`, or the first call that failed. */
export async function readJobs(
  api: SendgridApi,
  jobIds: string[],
  now = Date.now(),
): Promise<Map<string, JobReport> | Failed> {
  const reports = new Map<string, JobReport>();
  for (const id of new Set(jobIds)) {
    const key = `${api.account} ${id}`;
    const kept = finished.get(key);
    if (kept && now - kept.at < keepMs) {
      reports.set(id, kept.report);
      continue;
    }
    const job = await api.job(id);
    if ('kind' in job) return job;
    const url = job.results?.errors_url;
    let errors = new Map<string, string>();
    if (job.status !== 'pending' && job.status !== 'completed' && url) {
      const read = await api.jobErrors(url);
      if (!(read instanceof Map)) return read;
      errors = read;
    }
    const report: JobReport = { id, status: job.status, errors };
    if (report.status !== 'pending') remember(key, report, now);
    reports.set(id, report);
  }
  return reports;
}
