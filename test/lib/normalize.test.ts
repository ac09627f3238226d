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

  it('turns ISO dates into ISO 8601 UTC', () => {
    expect(value('date', '2024-03-01T10:00:00+02:00')).toEqual({
      ok: true,
      value: '2024-03-01T08:00:00.000Z',
    });
    expect(value('date', 'next tuesday').ok).toBe(false);
  });

  it('reads numbers in decimal notation only, refusing hex, binary and octal', () => {
    expect(['-1.5e3', '+2', '.5', '5.', ' 7 '].map((v) => value('float', v))).toEqual(
      [-1500, 2, 0.5, 5, 7].map((n) => ({ ok: true, value: n })),
    );
    expect(value('integer', '1e3')).toEqual({ ok: true, value: 1000 });
    expect(value('integer', '0x10')).toEqual({
      ok: false,
      message: 'expected an integer in decimal notation, got "0x10"',
    });
    expect(value('float', '0b11')).toEqual({
      ok: false,
      message: 'expected a number in decimal notation, got "0b11"',
    });
    expect(value('float', '0o7').ok).toBe(false);
    expect(value('float', 'Infinity')).toEqual({
      ok: false,
      message: 'expected a number, got "Infinity"',
    });
  });

  it('checks 64 KiB emails and phone numbers without backtracking', () => {
    const started = performance.now();
    expect(value('email', `a@${'.'.repeat(65_000)}@`).ok).toBe(false);
    expect(value('phone', `${'1'.repeat(65_000)}x`).ok).toBe(false);
    // The former patterns took seconds on these (quadratic backtracking).
    expect(performance.now() - started).toBeLessThan(1000);
    expect(value('email', 'a@b.c')).toEqual({ ok: true, value: 'a@b.c' });
    expect(['a@.bc', 'a@bc.', 'a@b@c.d', 'a b@c.d'].map((v) => value('email', v).ok)).toEqual(
      Array(4).fill(false),
    );
    expect(value('phone', '+()-').ok).toBe(false);
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

  it('refuses a unique value over 500 characters, counted after normalising', () => {
    const unique = { code: { type: 'string' as const, isArray: false, unique: true } };
    const cjk = '漢'.repeat(500);
    expect(normalizeProperties(unique, { code: cjk }).properties).toEqual({ code: cjk });
    expect(normalizeProperties(unique, { code: `${cjk}字` }).issues).toEqual([
      {
        path: 'properties.code',
        message: `expected at most 500 characters for a unique property, got 501: "${'漢'.repeat(78)}…`,
      },
    ]);
    const email = { mail: { type: 'email' as const, isArray: false, unique: true } };
    const address = `${'a'.repeat(488)}@example.com`;
    expect(normalizeProperties(email, { mail: `  ${address}  ` }).issues).toEqual([]);
  });

  it('lists cleared keys separately from values', () => {
    const r = normalizeProperties(defs, { ltv: null, tags: ['2'] });
    expect(r).toEqual({ properties: { tags: [2] }, cleared: ['ltv'], issues: [] });
  });
});
