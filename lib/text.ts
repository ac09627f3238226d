import { quote } from './quote';

/**
 * What text Outflow stores, whatever its type: checks shared by profile values and group rule
 * matches. Each returns the message of a 400, or undefined when the text is fine.
 */

/**
 * The longest string value, in characters (Unicode code points). HubSpot, the most generous
 * of the tools we export to, takes 65,536; each value is also copied into every export row.
 */
export const maxTextLength = 65_536;

/**
 * The longest value of a unique property. Its btree index holds at most 2,704 bytes; 500
 * code points are at most 2,000 bytes of UTF-8 in any script (1,000 CJK characters are not).
 */
export const maxUniqueLength = 500;

// With the `u` flag a regex reads code points, so only a surrogate without its partner
// matches. (String.prototype.isWellFormed says the same, but is not in our ES2023 types.)
const loneSurrogate = /\p{Surrogate}/u;

/** Characters as a person counts them: code points, so an emoji is one. */
export function characterCount(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xdc00 && code <= 0xdfff) count--;
  }
  return count;
}

function tooLong(text: string, limit: number, what: string): string | undefined {
  // Code points never outnumber UTF-16 units: most values need no count.
  if (text.length <= limit) return undefined;
  const count = characterCount(text);
  if (count <= limit) return undefined;
  const [max, got] = [limit, count].map((n) => n.toLocaleString('en-US'));
  return `expected at most ${max} characters${what}, got ${got}: ${quote(text)}`;
}

/**
 * Refuses text Postgres cannot store: NUL, and lone surrogates. Quotes nothing, so it may
 * speak of any field, secrets included.
 */
export function unstorableTextIssue(text: string): string | undefined {
  // Postgres cannot store NUL in text or jsonb; refuse it here rather than fail the write.
  if (text.includes('\u0000')) return 'must not contain NUL characters (\\u0000)';
  // jsonb refuses a lone surrogate (22P02), and a text column would store it as U+FFFD.
  if (loneSurrogate.test(text))
    return 'must be well-formed Unicode (no lone surrogate such as \\ud800)';
  return undefined;
}

/** Refuses text Postgres cannot store (NUL, lone surrogates) and text over `maxTextLength`. */
export function textIssue(text: string): string | undefined {
  const unstorable = unstorableTextIssue(text);
  if (unstorable)
    return loneSurrogate.test(text) ? `${unstorable}, got ${quote(text)}` : unstorable;
  return tooLong(text, maxTextLength, '');
}

/** Refuses a unique property's value its index could not hold. */
export function uniqueValueIssue(text: string): string | undefined {
  return tooLong(text, maxUniqueLength, ' for a unique property');
}
