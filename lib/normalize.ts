import type { ProfileProperties, PropertyType, PropertyValue, ScalarValue } from './domain';

/**
 * Turns raw input values into the stored form of their property's type. Pure: used by the API
 * for profile values and group rule matches. Empty string and null mean "no value".
 */

export interface PropertyDefinition {
  type: PropertyType;
  isArray: boolean;
}

export interface NormalizeIssue {
  /** dotted path, e.g. `properties.ltv` or `properties.tags[1]` */
  path: string;
  message: string;
}

export type NormalizeResult<T> = { ok: true; value: T } | { ok: false; message: string };

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const phonePattern = /^\+?[0-9 ()-]*[0-9][0-9 ()-]*$/;

/** How much of a bad value a message quotes: enough to recognise it, not a whole payload. */
const quoteLimit = 80;

/**
 * Quotes a value the way error messages show it: strings in double quotes, others as JSON,
 * cut at ~80 characters with an ellipsis.
 */
export function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length <= quoteLimit ? text : `${text.slice(0, quoteLimit - 1)}…`;
}

function fail(expected: string, value: unknown): NormalizeResult<never> {
  return { ok: false, message: `expected ${expected}, got ${quote(value)}` };
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Normalises one non-empty scalar to `type`. */
export function normalizeScalar(type: PropertyType, value: unknown): NormalizeResult<ScalarValue> {
  // Postgres cannot store NUL in text or jsonb; refuse it here rather than fail the write.
  if (typeof value === 'string' && value.includes('\u0000')) {
    return { ok: false, message: 'must not contain NUL characters (\\u0000)' };
  }
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
      return emailPattern.test(email) ? { ok: true, value: email } : fail('an email', value);
    }
    case 'integer': {
      const n = toNumber(value);
      return n !== undefined && Number.isSafeInteger(n)
        ? { ok: true, value: n }
        : fail('an integer', value);
    }
    case 'float': {
      const n = toNumber(value);
      return n !== undefined ? { ok: true, value: n } : fail('a number', value);
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
      return phonePattern.test(phone) ? { ok: true, value: phone } : fail('a phone number', value);
    }
  }
}

function normalizeDate(value: unknown): NormalizeResult<string> {
  // Numbers (or numeric strings) are epoch milliseconds; other strings must parse as ISO dates.
  let ms: number | undefined;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) ms = Number(value.trim());
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    ms = Date.parse(value.trim());
  }
  if (ms === undefined || !Number.isFinite(ms)) return fail('a date', value);
  const date = new Date(ms);
  return Number.isNaN(date.getTime())
    ? fail('a date', value)
    : { ok: true, value: date.toISOString() };
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
    return r.ok ? r : { ok: false, issues: [{ message: r.message }] };
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
    const definition = definitions[key];
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
