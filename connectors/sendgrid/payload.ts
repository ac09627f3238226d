import type { RemoteProperties } from '../../lib/domain';
import type { ExportChange } from '../types';
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
 * `custom_fields` by id. A field we sent before and no longer have is cleared with "".
 */
export function contactOf(change: ExportChange, fields: AccountFields): Record<string, unknown> {
  const contact: Record<string, unknown> = { email: emailOf(change.newProperties) };
  const custom: Record<string, unknown> = {};
  const reserved = new Set(fields.reserved.map((f) => f.name));
  const customIds = new Map(fields.custom.map((f) => [f.name, f.id]));
  const keys = new Set([
    ...Object.keys(change.oldProperties),
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
