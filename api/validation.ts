import type { Context } from 'hono';
import type { ZodError } from 'zod';
import { quote } from '../lib/normalize';
import { badRequest, type Issue } from './errors';

/** Formats a zod path as `properties.ltv` / `rules[2].op`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

async function rawInput(c: Context, target: string): Promise<unknown> {
  if (target === 'json') return c.req.json().catch(() => undefined);
  if (target === 'query') return c.req.query();
  if (target === 'param') return c.req.param();
  return undefined;
}

/**
 * How a bad value is shown: an array that is too long or too short by its size, everything
 * else quoted (and capped). An array of the wrong type is quoted: "got 0 properties" would
 * read as an empty object.
 */
function shown(value: unknown, path: readonly PropertyKey[], code: string): string {
  const sized = code === 'too_big' || code === 'too_small';
  if (!Array.isArray(value) || !sized) return quote(value);
  const last = path[path.length - 1];
  const noun = typeof last === 'string' ? last : 'items';
  return `${value.length.toLocaleString('en-US')} ${noun}`;
}

/** What zod says of an absent field: an enum or a union fails as a value, not as a type. */
const missingCodes = new Set(['invalid_type', 'invalid_value', 'invalid_union']);

/**
 * What a schema may put in a custom issue's `params`: `shown`, the text to quote instead of the
 * value, e.g. a URL with its password masked.
 */
export interface ShownParams {
  shown?: string;
}

function shownInstead(issue: ZodError['issues'][number]): string | undefined {
  if (issue.code !== 'custom') return undefined;
  const shown = (issue.params as ShownParams | undefined)?.shown;
  return typeof shown === 'string' ? shown : undefined;
}

/**
 * Turns zod issues into messages that name the field and quote the bad value, once (a schema's
 * own "got …" is replaced by ours, which is capped). `isSecret(path)` fields never show their
 * value; a custom issue's `params.shown` is quoted in its place.
 */
export function zodIssues(
  error: ZodError,
  input: unknown,
  isSecret: (path: readonly PropertyKey[]) => boolean = () => false,
): Issue[] {
  return error.issues.map((issue) => {
    const value = valueAt(input, issue.path);
    const path = formatPath(issue.path) || '(body)';
    if (value === undefined && missingCodes.has(issue.code))
      return { path, message: 'is required' };
    if (issue.code === 'unrecognized_keys') {
      return { path, message: `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}` };
    }
    const secret = isSecret(issue.path);
    const instead = shownInstead(issue);
    const bad = instead === undefined ? shown(value, issue.path, issue.code) : quote(instead);
    const got = secret ? '' : `, got ${bad}`;
    if (issue.code === 'invalid_type') return { path, message: `expected ${issue.expected}${got}` };
    const own = issue.message.replace(/,? got [\s\S]*$/, '');
    return { path, message: `${own}${got}` };
  });
}

/** The `defaultHook` of every router: a failed validation becomes a 400 naming the field. */
export async function validationHook(
  result: { success: true } | { success: false; error: ZodError; target?: string },
  c: Context,
): Promise<void> {
  if (result.success) return;
  const input = await rawInput(c, result.target ?? 'json');
  throw badRequest(zodIssues(result.error, input));
}
