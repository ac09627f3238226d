import { describe, expect, it } from 'vitest';
import { quote } from '../../lib/quote';

describe('quote', () => {
  it('cuts a long value at about 80 characters', () => {
    expect(quote('x'.repeat(78))).toBe(`"${'x'.repeat(78)}"`);
    expect(quote('x'.repeat(79))).toBe(`"${'x'.repeat(78)}…`);
    expect(quote('x'.repeat(20_000_000))).toBe(`"${'x'.repeat(78)}…`);
    expect(quote({ a: 'b' })).toBe('{"a":"b"}');
  });

  it('never cuts an emoji in half', () => {
    const shown = quote(`${'x'.repeat(77)}😀😀`);
    expect(shown).toBe(`"${'x'.repeat(77)}…`);
    expect(/\p{Surrogate}/u.test(shown)).toBe(false);
  });
});
