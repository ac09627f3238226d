import type { MappingOptions, RemoteField, RemoteFieldType } from '../types';
import { createHash } from 'node:crypto';
import type { Failed } from './api';
import { callSendgrid } from './client';
import type { SendgridAppOptions } from './options';

/** The contact's identifier: SendGrid upserts, finds and deletes contacts by email. */
export const emailField = 'email';

export interface FieldDefinition {
  id: string;
  name: string;
  field_type: 'Text' | 'Number' | 'Date';
  read_only?: boolean;
}

export interface AccountFields {
  /** reserved fields we may write, sent at the top level of a contact */
  reserved: FieldDefinition[];
  /** custom fields, sent under `custom_fields` keyed by their id */
  custom: FieldDefinition[];
}

const typeOf: Record<FieldDefinition['field_type'], RemoteFieldType> = {
  Text: 'string',
  Number: 'float',
  Date: 'date',
};

// Field definitions change rarely; re-reading them for every batch would spend rate limit.
const cacheMs = 60_000;
const cache = new Map<string, { at: number; fields: AccountFields }>();

/** The account's writable field definitions (cached a minute), or the failed call. */
export async function loadFields(
  options: SendgridAppOptions,
  signal?: AbortSignal,
): Promise<AccountFields | Failed> {
  const key = createHash('sha256').update(`${options.baseUrl} ${options.apiKey}`).digest('hex');
  const cached = cache.get(key);
  if (cached && Date.now() - cached.at < cacheMs) return cached.fields;
  const path = '/v3/marketing/field_definitions';
  const result = await callSendgrid(options, 'GET', path, undefined, signal);
  if (result.kind !== 'ok') return result;
  const body = result.body as {
    reserved_fields?: FieldDefinition[];
    custom_fields?: FieldDefinition[];
  };
  // Read-only fields (created_at, last_opened …) and the identifier itself are never written.
  const writable = (f: FieldDefinition) => !f.read_only && f.name !== emailField;
  const fields = {
    reserved: (body.reserved_fields ?? []).filter(writable),
    custom: (body.custom_fields ?? []).filter(writable),
  };
  cache.set(key, { at: Date.now(), fields });
  return fields;
}

/** Required `email`, then the account's reserved and custom fields; nothing outside them. */
export function sendgridMappingOptions(fields: AccountFields): MappingOptions {
  const important = new Set(['first_name', 'last_name']);
  const toRemote = (f: FieldDefinition): RemoteField => ({
    key: f.name,
    type: f.name === 'phone_number' ? 'phone' : (typeOf[f.field_type] ?? 'string'),
    ...(important.has(f.name) ? { important: true } : {}),
  });
  const identifier: RemoteField = { key: emailField, type: 'email', important: true };
  return {
    required: [identifier],
    known: [identifier, ...fields.reserved.map(toRemote), ...fields.custom.map(toRemote)],
    allowCustomFields: false,
    arrayFields: [],
  };
}
