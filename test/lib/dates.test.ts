import { describe, expect, it } from 'vitest';
import { normalizeDate } from '../../lib/dates';

const refused = (message: string) => ({ ok: false, message });

describe('normalizeDate', () => {
  it('refuses days past the end of their month instead of rolling them over', () => {
    expect(normalizeDate('2021-02-30')).toEqual(
      refused('expected a date that exists (2021-02 has 28 days), got "2021-02-30"'),
    );
    expect(normalizeDate('2021-04-31T10:00Z')).toEqual(
      refused('expected a date that exists (2021-04 has 30 days), got "2021-04-31T10:00Z"'),
    );
    expect(normalizeDate('2021-02-29').ok).toBe(false);
    expect(normalizeDate('1900-02-29').ok).toBe(false);
    expect(normalizeDate('2021-13-01')).toEqual(
      refused('expected a date that exists, got "2021-13-01"'),
    );
    expect(normalizeDate('2021-01-00').ok).toBe(false);
  });

  it('accepts leap days and the last day of each month', () => {
    expect(normalizeDate('2020-02-29')).toEqual({ ok: true, value: '2020-02-29T00:00:00.000Z' });
    expect(normalizeDate('2000-02-29T23:59:59.999Z').ok).toBe(true);
    expect(normalizeDate('2021-04-30T10:00Z')).toEqual({
      ok: true,
      value: '2021-04-30T10:00:00.000Z',
    });
    expect(normalizeDate('2021-12-31T24:00Z')).toEqual({
      ok: true,
      value: '2022-01-01T00:00:00.000Z',
    });
  });

  it('refuses numbers rather than guess epoch seconds or milliseconds', () => {
    const expected = 'expected an ISO 8601 date such as "2024-05-01" or "2024-05-01T10:00:00Z"';
    expect(normalizeDate(1700000000)).toEqual(
      refused(`${expected} (not epoch seconds or milliseconds), got 1700000000`),
    );
    expect(normalizeDate('1700000000000')).toEqual(
      refused(`${expected} (not epoch seconds or milliseconds), got "1700000000000"`),
    );
    expect(normalizeDate(true)).toEqual(refused(`${expected}, got true`));
    expect(normalizeDate('2024')).toEqual(refused(`${expected}, got "2024"`));
  });

  it('refuses dates Postgres cannot compare: year 0 and past 9999 in UTC', () => {
    const range = 'expected a date from 0001-01-01 to 9999-12-31 (UTC)';
    expect(normalizeDate('0000-06-01')).toEqual(refused(`${range}, got "0000-06-01"`));
    expect(normalizeDate('0001-01-01T00:00+01:00').ok).toBe(false);
    expect(normalizeDate('9999-12-31T23:00-05:00').ok).toBe(false);
    expect(normalizeDate('0001-01-01')).toEqual({ ok: true, value: '0001-01-01T00:00:00.000Z' });
  });
});
