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

/** Turns zod issues into messages that name the field and quote the bad value. */
export function zodIssues(error: ZodError, input: unknown): Issue[] {
  return error.issues.map((issue) => {
    const value = valueAt(input, issue.path);
    const path = formatPath(issue.path) || '(body)';
    if (value === undefined && issue.code === 'invalid_type')
      return { path, message: 'is required' };
    if (issue.code === 'invalid_type') {
      return { path, message: `expected ${issue.expected}, got ${quote(value)}` };
    }
    if (issue.code === 'unrecognized_keys') {
      return { path, message: `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}` };
    }
    return { path, message: `${issue.message}, got ${quote(value)}` };
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
