import type { SyncOperations } from '../../lib/domain';
import { callMailchimp, type MailchimpResult } from './client';
import { subscriberHash } from './hash';
import type { MailchimpAppOptions } from './options';
import { MailchimpCallError } from './outcome';

export interface Target {
  options: MailchimpAppOptions;
  listId: string;
  syncOperations: SyncOperations;
  signal?: AbortSignal;
}

export type Tag = { name: string; status: 'active' | 'inactive' };

/**
 * The member calls of one audience. Each returns Mailchimp's answer when it succeeded or its
 * status is in `accept`; any other answer throws `MailchimpCallError`, ending that profile.
 */
export function audienceMembers(target: Target) {
  const root = `/lists/${encodeURIComponent(target.listId)}/members`;
  const call = async (
    step: string,
    method: string,
    path: string,
    body?: unknown,
    accept: number[] = [],
  ) => {
    const result = await callMailchimp(
      target.options,
      method,
      `${root}${path}`,
      body,
      target.signal,
    );
    if (result.kind === 'ok') return result;
    if (result.kind === 'error' && accept.includes(result.status)) return result;
    throw new MailchimpCallError(step, result);
  };
  const at = (email: string) => `/${subscriberHash(email)}`;

  return {
    /** the member's status, or null when Mailchimp has none (or only an archived one) */
    async liveStatus(email: string): Promise<string | null> {
      const r = await call('read member', 'GET', at(email), undefined, [404]);
      const status = r.kind === 'ok' ? (r.body as { status?: string }).status : undefined;
      return status && status !== 'archived' ? status : null;
    },
    /** renames in place; false when the new email is already a member */
    async rename(from: string, to: string): Promise<boolean> {
      const r = await call('change email', 'PATCH', at(from), { email_address: to }, [400]);
      if (r.kind === 'ok') return true;
      if (r.kind === 'error' && r.title === 'Member Exists') return false;
      throw new MailchimpCallError('change email', r as Exclude<MailchimpResult, { kind: 'ok' }>);
    },
    upsert: (email: string, body: object) => call('upsert member', 'PUT', at(email), body),
    /** false when the member does not exist */
    async update(email: string, body: object): Promise<boolean> {
      const r = await call('update member', 'PATCH', at(email), body, [404]);
      return r.kind === 'ok';
    },
    /** false when the member does not exist */
    async tag(email: string, tags: Tag[]): Promise<boolean> {
      if (tags.length === 0) return true;
      const r = await call('update tags', 'POST', `${at(email)}/tags`, { tags }, [404]);
      return r.kind === 'ok';
    },
    // 404 is gone already; 405 is archived already (or bounced/pending, which Mailchimp keeps).
    archive: (email: string) => call('archive member', 'DELETE', at(email), undefined, [404, 405]),
  };
}
