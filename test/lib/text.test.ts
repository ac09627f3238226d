import { describe, expect, it } from 'vitest';
import { normalizeScalar } from '../../lib/normalize';
import { characterCount, maxTextLength, textIssue } from '../../lib/text';

describe('textIssue', () => {
  it('refuses lone surrogates, high or low, and quotes them escaped', () => {
    expect(textIssue('\ud800')).toBe(
      'must be well-formed Unicode (no lone surrogate such as \\ud800), got "\\ud800"',
    );
    expect(textIssue('Bob\udc00')).toContain('got "Bob\\udc00"');
    // Reversed halves are two lone surrogates, not a pair.
    expect(textIssue('\ude00\ud83d')).toBeDefined();
    expect(textIssue('Zoë 😀')).toBeUndefined();
  });

  it('refuses NUL characters', () => {
    expect(textIssue('a\u0000b')).toBe('must not contain NUL characters (\\u0000)');
  });

  it('allows 65,536 characters, counting an emoji as one', () => {
    expect(textIssue('x'.repeat(maxTextLength))).toBeUndefined();
    expect(textIssue('😀'.repeat(maxTextLength))).toBeUndefined();
    expect(characterCount('😀'.repeat(3))).toBe(3);
    expect(textIssue('x'.repeat(maxTextLength + 1))).toBe(
      `expected at most 65,536 characters, got 65,537: "${'x'.repeat(78)}…`,
    );
  });

  it('applies to every type that reads text', () => {
    const long = '1'.repeat(maxTextLength + 1);
    for (const type of ['string', 'integer', 'phone', 'url'] as const) {
      expect(normalizeScalar(type, long)).toMatchObject({
        ok: false,
        message: expect.stringMatching(/^expected at most 65,536 characters, got 65,537: /),
      });
    }
    expect(normalizeScalar('email', 'ann\ud800@example.com').ok).toBe(false);
    expect(normalizeScalar('date', '2024-01-01\ud800').ok).toBe(false);
  });
});
