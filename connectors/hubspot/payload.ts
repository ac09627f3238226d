import type { ScalarValue } from '../../lib/domain';
import type { ExportChange } from '../types';
import type { PropertyValues } from './contacts';
import { emailField } from './fields';

/** The first value, trimmed, when it is a non-empty string. */
export function emailOf(value: ScalarValue | ScalarValue[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first.trim() !== '' ? first.trim() : undefined;
}

/** HubSpot compares contact emails case-insensitively. */
export const emailKey = (email: string) => email.toLowerCase();

function text(value: ScalarValue | ScalarValue[], dateOnly: boolean): string {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return '';
  const s = String(first);
  // `date` properties take a day at UTC midnight; our dates are ISO 8601 in UTC.
  return dateOnly && /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : s;
}

/**
 * The properties to write: only mapped fields, so others' properties are never touched;
 * fields sent before and absent now are "" (HubSpot's way to clear a value).
 */
export function propertiesOf(
  change: ExportChange,
  email: string,
  dateOnly: Set<string>,
): PropertyValues {
  const out: PropertyValues = {};
  for (const key of Object.keys(change.oldProperties)) if (key !== emailField) out[key] = '';
  for (const [key, value] of Object.entries(change.newProperties)) {
    if (key !== emailField) out[key] = text(value, dateOnly.has(key));
  }
  out[emailField] = email;
  return out;
}

/** Group names as list names. */
export const listName = (prefix: string, group: string) => `${prefix}${group}`;

export const minus = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
