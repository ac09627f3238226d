import {
  RemoteRefusedError,
  RemoteUnavailableError,
  type MappingOptions,
  type RemoteField,
  type RemoteFieldType,
} from '../types';
import { callMailchimp } from './client';
import type { MailchimpAppOptions } from './options';
import { rateLimitWait } from './outcome';

/** The mapping key of the member's email: the identifier, not a merge field. */
export const emailField = 'email_address';

/**
 * Merge field types → what Outflow may send. Dates and birthdays are strings, as Grouparoo
 * sent them: Mailchimp parses the audience's own date format. Radio and dropdown take a
 * string that must be one of their choices; Mailchimp reports a wrong one.
 */
const mergeFieldTypes: Record<string, RemoteFieldType> = {
  text: 'string',
  address: 'string',
  zip: 'string',
  date: 'string',
  birthday: 'string',
  radio: 'string',
  dropdown: 'string',
  number: 'number',
  phone: 'phone',
  email: 'email',
  imageurl: 'url',
  url: 'url',
  website: 'url',
};

/** Reads the audience's merge fields; throws when Mailchimp cannot be asked (a config error). */
export async function mailchimpMappingOptions(
  options: MailchimpAppOptions,
  listId: string,
  signal?: AbortSignal,
): Promise<MappingOptions> {
  const path = `/lists/${encodeURIComponent(listId)}/merge-fields?count=1000`;
  const result = await callMailchimp(options, 'GET', path, undefined, signal);
  if (result.kind !== 'ok') {
    const message = `could not read the merge fields of audience "${listId}": ${result.message}`;
    if (result.kind === 'unreachable' || result.status >= 500) {
      const wait = 'retryAfterMs' in result ? result.retryAfterMs : undefined;
      throw new RemoteUnavailableError(message, wait);
    }
    // Our own wait, as for a member call: without one the activity would back off up to a
    // minute between tries, though a connection is usually free again within seconds.
    if (result.status === 429) {
      throw new RemoteUnavailableError(message, result.retryAfterMs ?? rateLimitWait());
    }
    throw new RemoteRefusedError(message);
  }
  const body = result.body as { merge_fields?: { tag: string; type: string }[] } | undefined;
  const fields = body?.merge_fields ?? [];
  const known: RemoteField[] = fields.map((f) => ({
    key: f.tag,
    type: mergeFieldTypes[f.type] ?? 'string',
    important: f.tag === 'FNAME' || f.tag === 'LNAME',
  }));
  return {
    required: [{ key: emailField, type: 'email', important: true }],
    known: [{ key: emailField, type: 'email', important: true }, ...known],
    allowCustomFields: false,
    arrayFields: [],
  };
}
