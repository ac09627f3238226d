/**
 * What a SendGrid export waits for, stored by the engine as the export's remote job id. An
 * export may need several jobs (an upsert, list removals, a delete) and a step after them, so
 * the id names all of them; the engine only stores it and hands it back to `checkJob`.
 */
export interface Pending {
  /** SendGrid job ids that must all report before the export can go on */
  jobs: string[];
  /** once they completed: delete the contact under the old email, or send the change again */
  next?: 'delete-old' | 'resend';
  /** when we began waiting for search to show a contact we sent (epoch ms) */
  since?: number;
  /** how many times the change was sent again after a step failed while others had started */
  resends?: number;
  /** the export fails with this message once its jobs reported */
  failure?: string;
}

const prefix = 'sg1:';

export function encodePending(pending: Pending): string {
  return prefix + JSON.stringify(pending);
}

/**
 * Reads a pending id; a bare SendGrid job id (as stored by earlier versions) is one job. Null
 * when it cannot be read: nothing then proves the export happened.
 */
export function decodePending(id: string): Pending | null {
  if (!id.startsWith(prefix)) return { jobs: [id] };
  try {
    const parsed = JSON.parse(id.slice(prefix.length)) as Pending;
    return Array.isArray(parsed.jobs) ? parsed : null;
  } catch {
    return null;
  }
}
