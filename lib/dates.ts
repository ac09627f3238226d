import type { NormalizeResult } from './normalize';
import { quote } from './quote';

/**
 * Date values: ISO 8601 text only, stored as UTC (`2024-05-01T10:00:00.000Z`). A number is
 * refused, not read as epoch milliseconds: 1700000000 (seconds) would become a day of 1970.
 */

const expected = 'an ISO 8601 date such as "2024-05-01" or "2024-05-01T10:00:00Z"';

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

function daysIn(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const refuse = (message: string): NormalizeResult<never> => ({ ok: false, message });

/** Normalises a date value to ISO 8601 UTC, refusing numbers and days that do not exist. */
export function normalizeDate(value: unknown): NormalizeResult<string> {
  const text = typeof value === 'string' ? value.trim() : undefined;
  // Five digits or more: "2024" is a year, not an epoch time.
  if (typeof value === 'number' || (text !== undefined && /^[+-]?\d{5,}(\.\d+)?$/.test(text))) {
    return refuse(`expected ${expected} (not epoch seconds or milliseconds), got ${quote(value)}`);
  }
  const day = text === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!text || !day) return refuse(`expected ${expected}, got ${quote(value)}`);
  // Date.parse rolls a day past the month's end over ("2021-02-30" is March 2nd): refuse it.
  const [year, month, date] = day.slice(1).map(Number) as [number, number, number];
  if (month < 1 || month > 12 || date < 1 || date > daysIn(year, month)) {
    const hint =
      month >= 1 && month <= 12 ? ` (${day[1]}-${day[2]} has ${daysIn(year, month)} days)` : '';
    return refuse(`expected a date that exists${hint}, got ${quote(value)}`);
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return refuse(`expected ${expected}, got ${quote(value)}`);
  const iso = new Date(ms).toISOString();
  // Group rules compare dates as Postgres timestamptz, which has no year 0; past 9999 the
  // ISO text takes a sign ("+010000-01-01") that it does not read.
  if (!/^\d{4}-/.test(iso) || iso.startsWith('0000-')) {
    return refuse(`expected a date from 0001-01-01 to 9999-12-31 (UTC), got ${quote(value)}`);
  }
  return { ok: true, value: iso };
}
