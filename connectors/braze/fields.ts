import type { MappingOptions, RemoteField, RemoteFieldType } from '../types';

/** The user's identifier in Braze: the one required field, never sent as an attribute twice. */
export const externalIdField = 'external_id';

/**
 * Subscription states ("opted_in", "subscribed", "unsubscribed"): the person's choice once the
 * user exists, so they are sent only when Outflow creates the user (see `payload.ts`).
 */
export const subscriptionFields: readonly string[] = ['email_subscribe', 'push_subscribe'];

/**
 * Braze's standard user profile attributes (`/users/track` attribute object). Dates are sent
 * as ISO 8601 strings; `dob` is a date Braze keeps as YYYY-MM-DD. Subscription states are
 * strings, so they are typed `string`.
 */
const standard: [string, RemoteFieldType, boolean?][] = [
  ['email', 'email', true],
  ['first_name', 'string', true],
  ['last_name', 'string', true],
  ['phone', 'phone'],
  ['country', 'string'],
  ['language', 'string'],
  ['dob', 'date'],
  ['gender', 'string'],
  ['home_city', 'string'],
  ['time_zone', 'string'],
  ['email_subscribe', 'string'],
  ['push_subscribe', 'string'],
  ['email_open_tracking_disabled', 'boolean'],
  ['email_click_tracking_disabled', 'boolean'],
  ['image_url', 'url'],
  ['facebook', 'any'],
  ['twitter', 'any'],
  ['marked_email_as_spam_at', 'date'],
  ['date_of_first_session', 'date'],
  ['date_of_last_session', 'date'],
];

/**
 * Braze has no API listing a workspace's custom attributes, so the mapping options are fixed:
 * any other name is a custom attribute, and custom attributes may hold arrays.
 */
export function brazeMappingOptions(): MappingOptions {
  const identifier: RemoteField = { key: externalIdField, type: 'string', important: true };
  const known = standard.map(([key, type, important]): RemoteField => ({
    key,
    type,
    ...(important ? { important } : {}),
  }));
  return {
    required: [identifier],
    known: [identifier, ...known],
    allowCustomFields: true,
    arrayFields: ['*'],
  };
}
