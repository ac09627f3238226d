import type { RemoteProperties } from '../../lib/domain';
import type { ExportChange } from '../types';
import type { Contact } from './api';
import { emailField, type AccountFields } from './fields';

/** SendGrid matches emails without case or surrounding spaces; so do we. */
export function emailOf(properties: RemoteProperties): string | null {
  const value = properties[emailField];
  return typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : null;
}

function remoteValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  return value;
}

/**
 * The contact object of an upsert: reserved fields at the top level, custom fields under
 * `custom_fields` by id. With `clear`, a field we sent before and no longer have is cleared
 * with "": only on the contact that received it, never on someone else's.
 */
export function contactOf(
  change: ExportChange,
  fields: AccountFields,
  { clear }: { clear: boolean },
): Record<string, unknown> {
  const contact: Record<string, unknown> = { email: emailOf(change.newProperties) };
  const custom: Record<string, unknown> = {};
  const reserved = new Set(fields.reserved.map((f) => f.name));
  const customIds = new Map(fields.custom.map((f) => [f.name, f.id]));
  const keys = new Set([
    ...(clear ? Object.keys(change.oldProperties) : []),
    ...Object.keys(change.newProperties),
  ]);
  for (const key of keys) {
    if (key === emailField) continue;
    const value = key in change.newProperties ? remoteValue(change.newProperties[key]) : '';
    if (reserved.has(key)) contact[key] = value;
    else if (customIds.has(key)) custom[customIds.get(key)!] = value;
  }
  contact.custom_fields = custom;
  return contact;
}

const isSet = (value: unknown) =>
  value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && !value.length);

/**
 * The new contact that takes over `previous` when its email changes: the values others gave
 * `previous` (writable fields we do not map), then ours. SendGrid cannot rename a contact, so
 * this copy is how their data survives the deletion of the old one.
 */
export function takeOver(
  change: ExportChange,
  previous: Contact,
  fields: AccountFields,
): Record<string, unknown> {
  const ours = new Set([
    ...Object.keys(change.oldProperties),
    ...Object.keys(change.newProperties),
  ]);
  const theirs: Record<string, unknown> = {};
  for (const f of fields.reserved) {
    if (!ours.has(f.name) && isSet(previous[f.name])) theirs[f.name] = previous[f.name];
  }
  // Search names custom fields by name; an upsert takes them by id.
  const custom: Record<string, unknown> = {};
  for (const f of fields.custom) {
    const value = previous.custom_fields?.[f.name];
    if (!ours.has(f.name) && isSet(value)) custom[f.id] = value;
  }
  const mine = contactOf(change, fields, { clear: false });
  const mineCustom = mine.custom_fields as Record<string, unknown>;
  return { ...theirs, ...mine, custom_fields: { ...custom, ...mineCustom } };
}
