/** How much of a bad value a message quotes: enough to recognise it, not a whole payload. */
const quoteLimit = 80;

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * Quotes a value the way error messages show it: strings in double quotes, others as JSON,
 * cut at ~80 characters with an ellipsis. Lone surrogates show as `\ud800` escapes, and a cut
 * never splits an emoji, so the message itself is well-formed text.
 */
export function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  // A long string is cut before it is escaped: a 20 MB value costs no 20 MB copy.
  const shown = typeof value === 'string' ? value.slice(0, quoteLimit + 1) : value;
  let text: string;
  try {
    text = JSON.stringify(shown) ?? String(shown);
  } catch {
    text = String(shown);
  }
  if (shown === value && text.length <= quoteLimit) return text;
  let end = quoteLimit - 1;
  if (isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return `${text.slice(0, end)}…`;
}

/** The indefinite article of a word in a message: "an integer", "a URL", "an options change". */
export function article(word: string): 'a' | 'an' {
  return /^[aeio]/i.test(word) ? 'an' : 'a';
}
