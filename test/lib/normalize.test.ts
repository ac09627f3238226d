import { describe, expect, it } from 'vitest';
import { normalizeProperties, normalizeScalar, normalizeValue } from '../../lib/normalize';

const value = (type: Parameters<typeof normalizeScalar>[0], v: unknown) => normalizeScalar(type, v);

describe('normalizeScalar', () => {
  it('trims emails and rejects what does not look like one', () => {
    expect(value('email', '  ann@example.com ')).toEqual({ ok: true, value: 'ann@example.com' });
    expect(value('email', 'ann@')).toEqual({ ok: false, message: 'expected an email, got "ann@"' });
  });

  it('parses integers from strings and rejects fractions', () => {
    expect(value('integer', '12')).toEqual({ ok: true, value: 12 });
    expect(value('integer', 1.5)).toEqual({ ok: false, message: 'expected an integer, got 1.5' });
  });

  it('parses floats and names the bad value', () => {
    expect(value('float', '12.5')).toEqual({ ok: true, value: 12.5 });
    expect(value('float', 'abc')).toEqual({ ok: false, message: 'expected a number, got "abc"' });
  });

  it('accepts the boolean spellings true, false, "true", "false", 1 and 0 only', () => {
    expect([true, 'true', 1].map((v) => value('boolean', v))).toEqual(
      Array(3).fill({ ok: true, value: true }),
    );
    expect([false, 'false', 0].map((v) => value('boolean', v))).toEqual(
      Array(3).fill({ ok: true, value: false }),
    );
    expect(value('boolean', 'yes').ok).toBe(false);
  });

  it('turns ISO dates and epoch milliseconds into ISO 8601 UTC', () => {
    expect(value('date', '2024-03-01T10:00:00+02:00')).toEqual({
      ok: true,
      value: '2024-03-01T08:00:00.000Z',
    });
    expect(value('date', 0)).toEqual({ ok: true, value: '1970-01-01T00:00:00.000Z' });
    expect(value('date', 'next tuesday').ok).toBe(false);
  });

  it('accepts only absolute http(s) URLs', () => {
    expect(value('url', 'https://example.com/a')).toEqual({
      ok: true,
      value: 'https://example.com/a',
    });
    expect(value('url', 'ftp://example.com').ok).toBe(false);
    expect(value('url', '/relative').ok).toBe(false);
  });

  it('trims phone numbers and rejects letters', () => {
    expect(value('phone', ' +1 (555) 010-2000 ')).toEqual({ ok: true, value: '+1 (555) 010-2000' });
    expect(value('phone', '555-CALL').ok).toBe(false);
  });
});

describe('normalizeValue', () => {
  it('wraps a scalar of an array property into a one-element array', () => {
    expect(normalizeValue({ type: 'string', isArray: true }, 'a')).toEqual({
      ok: true,
      value: ['a'],
    });
  });

  it('rejects an array for a non-array property', () => {
    expect(normalizeValue({ type: 'string', isArray: false }, ['a']).ok).toBe(false);
  });

  it('treats empty string and null as no value', () => {
    expect(normalizeValue({ type: 'integer', isArray: false }, '')).toEqual({
      ok: true,
      value: null,
    });
    expect(normalizeValue({ type: 'integer', isArray: false }, null)).toEqual({
      ok: true,
      value: null,
    });
  });
});

describe('normalizeProperties', () => {
  const defs = {
    ltv: { type: 'float' as const, isArray: false },
    tags: { type: 'integer' as const, isArray: true },
  };

  it('names unknown keys and bad array elements by path', () => {
    const r = normalizeProperties(defs, { nope: 1, tags: [1, 'x'], ltv: 3 });
    expect(r.issues).toEqual([
      { path: 'properties.nope', message: 'unknown property "nope"' },
      { path: 'properties.tags[1]', message: 'expected an integer, got "x"' },
    ]);
  });

  it('lists cleared keys separately from values', () => {
    const r = normalizeProperties(defs, { ltv: null, tags: ['2'] });
    expect(r).toEqual({ properties: { tags: [2] }, cleared: ['ltv'], issues: [] });
  });
});
