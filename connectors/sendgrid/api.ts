import { createHash } from 'node:crypto';
import { callSendgrid, type SendgridResult } from './client';
import type { SendgridAppOptions } from './options';

/**
 * The Marketing Campaigns calls the connector makes, each answering either its data or the
 * failed call (never throwing for remote problems).
 */

export type Failed = Exclude<SendgridResult, { kind: 'ok' }>;

/** A contact as search answers it: reserved fields at the top, custom fields by name. */
export interface Contact {
  id: string;
  email: string;
  list_ids: string[];
  custom_fields?: Record<string, unknown>;
  [reserved: string]: unknown;
}

export interface JobStatus {
  id: string;
  status: 'pending' | 'completed' | 'errored' | 'failed';
  job_type?: string;
  results?: { errored_count?: number; errors_url?: string };
}

// Documented per-request limit.
const searchLimit = 100;

export function sendgridApi(options: SendgridAppOptions, signal?: AbortSignal) {
  const call = (method: string, path: string, body?: unknown) =>
    callSendgrid(options, method, path, body, signal);
  const jobOf = (r: SendgridResult): string | Failed =>
    r.kind === 'ok' ? String(r.body.job_id) : r;

  return {
    /** names the account without its key, e.g. for caches */
    account: createHash('sha256').update(`${options.baseUrl} ${options.apiKey}`).digest('hex'),

    /** Contacts by lower-cased email; missing emails are absent from the map. */
    async findByEmails(emails: string[]): Promise<Map<string, Contact> | Failed> {
      const found = new Map<string, Contact>();
      // An address without "@" can exist nowhere; it must not make the whole search fail.
      const unique = [...new Set(emails)].filter((e) => e.includes('@'));
      for (let i = 0; i < unique.length; i += searchLimit) {
        const batch = unique.slice(i, i + searchLimit);
        const r = await call('POST', '/v3/marketing/contacts/search/emails', { emails: batch });
        // 404 means none of them exists.
        if (r.kind === 'error' && r.status === 404) continue;
        if (r.kind !== 'ok') return r;
        const result = (r.body.result ?? {}) as Record<string, { contact?: Contact }>;
        for (const [email, entry] of Object.entries(result)) {
          if (entry.contact) found.set(email.toLowerCase(), entry.contact);
        }
      }
      return found;
    },

    /** Starts an upsert job; every contact in it joins all of `listIds`. */
    upsert: async (contacts: Record<string, unknown>[], listIds: string[]) =>
      jobOf(await call('PUT', '/v3/marketing/contacts', { list_ids: listIds, contacts })),

    /** Starts a deletion job for up to 100 contacts. */
    async deleteContacts(ids: string[]): Promise<string | Failed> {
      const query = encodeURIComponent(ids.join(','));
      return jobOf(await call('DELETE', `/v3/marketing/contacts?ids=${query}`));
    },

    /** Starts a job taking up to 100 contacts off a list; null when the list is gone. */
    async removeFromList(listId: string, contactIds: string[]): Promise<string | Failed | null> {
      const query = encodeURIComponent(contactIds.join(','));
      const path = `/v3/marketing/lists/${encodeURIComponent(listId)}/contacts?contact_ids=${query}`;
      const r = await call('DELETE', path);
      // A list deleted in SendGrid holds nobody: there is nothing left to remove.
      if (r.kind === 'error' && r.status === 404) return null;
      return jobOf(r);
    },

    async lists(): Promise<Map<string, string> | Failed> {
      const byName = new Map<string, string>();
      let path: string | null = '/v3/marketing/lists?page_size=1000';
      while (path) {
        const r = await call('GET', path);
        if (r.kind !== 'ok') return r;
        for (const l of (r.body.result ?? []) as { id: string; name: string }[]) {
          byName.set(l.name, l.id);
        }
        const next = (r.body._metadata as { next?: string } | undefined)?.next;
        path = next ? new URL(next).pathname + new URL(next).search : null;
      }
      return byName;
    },

    async createList(name: string): Promise<string | Failed> {
      const r = await call('POST', '/v3/marketing/lists', { name });
      return r.kind === 'ok' ? String(r.body.id) : r;
    },

    async job(jobId: string): Promise<JobStatus | Failed> {
      const r = await call('GET', `/v3/marketing/contacts/imports/${encodeURIComponent(jobId)}`);
      return r.kind === 'ok' ? (r.body as unknown as JobStatus) : r;
    },

    /** The job's errors file: one entry per refused contact, by email. */
    async jobErrors(url: string): Promise<Map<string, string> | Failed> {
      const r = await callSendgrid(options, 'GET', new URL(url).pathname, undefined, signal);
      if (r.kind !== 'ok') return r;
      const errors = (r.body.errors ?? []) as { email?: string; message?: string }[];
      return new Map(
        errors.flatMap((e) => (e.email ? [[e.email.toLowerCase(), e.message ?? 'refused']] : [])),
      );
    },
  };
}

export type SendgridApi = ReturnType<typeof sendgridApi>;
