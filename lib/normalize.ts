import { own } from './own';
import { normalizeDate } from './dates';
import type { ProfileProperties, PropertyType, PropertyValue, ScalarValue } from './domain';
import { quote } from './quote';
import { textIssue, uniqueValueIssue } from './text';

export { quote } from './quote';

/**
 * Turns raw input values into the stored form of their property's type. Pure: used by the API
 * for profile values and group rule matches. Empty string and null mean "no value".
 */

export interface PropertyDefinition {
  type: PropertyType;
  isArray: boolean;
  /** backed by a unique index, which bounds the length of its values */
  unique?: boolean;
}

export interface NormalizeIssue {
  /** dotted path, e.g. `properties.ltv` or `properties.tags[1]` */
  path: string;
  message: string;
}

export type NormalizeResult<T> = { ok: true; value: T } | { ok: false; message: string };

// Written so that no input makes them backtrack: a value of 64 KiB is checked in linear time.
const emailPattern = /^[^\s@]+@[^\s@]+$/;
const phonePattern = /^\+?[0-9 ()-]+$/;
/** Decimal notation only: `Number()` would also read "0x10", "0b11" and "0o7". */
const decimalPattern = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function fail(expected: string, value: unknown): NormalizeResult<never> {
  return { ok: false, message: `expected ${expected}, got ${quote(value)}` };
}

function isEmail(email: string): boolean {
  if (!emailPattern.test(email)) return false;
  // A dot in the domain, neither its first nor its last character.
  const domain = email.slice(email.indexOf('@') + 1);
  const dot = domain.indexOf('.', 1);
  return dot !== -1 && dot < domain.length - 1;
}

/** A number from a JSON number or decimal text; `notDecimal` when only `Number()` reads it. */
function toNumber(value: unknown): number | 'notDecimal' | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  const n = Number(text);
  if (!Number.isFinite(n)) return undefined;
  return decimalPattern.test(text) ? n : 'notDecimal';
}

function numberFail(expected: string, n: ReturnType<typeof toNumber>, value: unknown) {
  return fail(n === 'notDecimal' ? `${expected} in decimal notation` : expected, value);
}

/** Normalises one non-empty scalar to `type`. */
export function normalizeScalar(type: PropertyType, value: unknown): NormalizeResult<ScalarValue> {
  const issue = typeof value === 'string' ? textIssue(value) : undefined;
  if (issue) return { ok: false, message: issue };
  switch (type) {
    case 'string':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') {
        return { ok: true, value: String(value) };
      }
      return fail('a string', value);
    case 'email': {
      // Lower case: tools treat emails case-insensitively (Mailchimp hashes the lower-cased
      // address), so `Ada@Example.COM` and `ada@example.com` are one unique value.
      const email = typeof value === 'string' ? value.trim().toLowerCase() : '';
      return isEmail(email) ? { ok: true, value: email } : fail('an email', value);
    }
    case 'integer': {
      const n = toNumber(value);
      return typeof n === 'number' && Number.isSafeInteger(n)
        ? { ok: true, value: n }
        : numberFail('an integer', n, value);
    }
    case 'float': {
      const n = toNumber(value);
      return typeof n === 'number' ? { ok: true, value: n } : numberFail('a number', n, value);
    }
    case 'boolean':
      if (value === true || value === 'true' || value === 1) return { ok: true, value: true };
      if (value === false || value === 'false' || value === 0) return { ok: true, value: false };
      return fail('a boolean', value);
    case 'date':
      return normalizeDate(value);
    case 'url':
      return normalizeUrl(value);
    case 'phone': {
      const phone = typeof value === 'string' ? value.trim() : '';
      const ok = phonePattern.test(phone) && /[0-9]/.test(phone);
      return ok ? { ok: true, value: phone } : fail('a phone number', value);
    }
  }
}

function normalizeUrl(value: unknown): NormalizeResult<string> {
  if (typeof value !== 'string') return fail('an http(s) URL', value);
  try {
    const url = new URL(value.trim());
    if (url.protocol === 'http:' || url.protocol === 'https:') return { ok: true, value: url.href };
  } catch {
    // falls through to the failure below
  }
  return fail('an http(s) URL', value);
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

/** Normalises one property's value; arrays for `isArray` properties (a scalar is wrapped). */
export function normalizeValue(
  definition: PropertyDefinition,
  value: unknown,
):
  | { ok: true; value: PropertyValue }
  | { ok: false; issues: { index?: number; message: string }[] } {
  if (isEmpty(value)) return { ok: true, value: null };
  if (!definition.isArray) {
    if (Array.isArray(value))
      return { ok: false, issues: [{ message: `expected a single value, got ${quote(value)}` }] };
    const r = normalizeScalar(definition.type, value);
    if (!r.ok) return { ok: false, issues: [{ message: r.message }] };
    // Checked on the stored form, which is what the unique index holds.
    const tooLong =
      definition.unique && typeof r.value === 'string' ? uniqueValueIssue(r.value) : undefined;
    return tooLong ? { ok: false, issues: [{ message: tooLong }] } : r;
  }
  const items = Array.isArray(value) ? value : [value];
  const out: ScalarValue[] = [];
  const issues: { index?: number; message: string }[] = [];
  items.forEach((item, index) => {
    if (isEmpty(item)) return;
    const r = normalizeScalar(definition.type, item);
    if (r.ok) out.push(r.value);
    else issues.push({ index: Array.isArray(value) ? index : undefined, message: r.message });
  });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: out.length > 0 ? out : null };
}

/**
 * Normalises a profile's property map. Keys with no value are left out of `properties` and
 * listed in `cleared`, so a partial update can remove them.
 */
export function normalizeProperties(
  definitions: Record<string, PropertyDefinition>,
  input: Record<string, unknown>,
  pathPrefix = 'properties',
): { properties: ProfileProperties; cleared: string[]; issues: NormalizeIssue[] } {
  const properties: ProfileProperties = {};
  const cleared: string[] = [];
  const issues: NormalizeIssue[] = [];
  for (const [key, raw] of Object.entries(input)) {
    const definition = own(definitions, key);
    if (!definition) {
      issues.push({ path: `${pathPrefix}.${key}`, message: `unknown property "${key}"` });
      continue;
    }
    const r = normalizeValue(definition, raw);
    if (!r.ok) {
      for (const i of r.issues) {
        const at = i.index === undefined ? '' : `[${i.index}]`;
        issues.push({ path: `${pathPrefix}.${key}${at}`, message: i.message });
      }
    } else if (r.value === null) cleared.push(key);
    else properties[key] = r.value;
  }
  return { properties, cleared, issues };
}
