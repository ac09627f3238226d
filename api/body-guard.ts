import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { unstorableTextIssue } from '../lib/text';
import { badRequest } from './errors';

/**
 * What every request body must be before a route reads it: at most `maxBodyBytes`, nested at
 * most `maxDepth` levels, without text Postgres cannot store (NUL, lone surrogates) in any key
 * or value — names, options and secrets included — and without a key `__proto__`, which
 * JavaScript objects would take as their prototype rather than a key; so no route can fail on
 * them with a 500 or silently drop them.
 */

/** Far deeper than any body Outflow takes; a deeper one would exhaust the stack. */
const maxDepth = 64;

/** Enough for a batch of 5,000 profiles with generous values. */
export const maxBodyBytes = 32 * 1024 * 1024;

export const limitBody: MiddlewareHandler = bodyLimit({
  maxSize: maxBodyBytes,
  onError: (c) =>
    c.json(
      { error: { message: `the request body is larger than ${maxBodyBytes / 1024 / 1024} MiB` } },
      413,
    ),
});

/** The path and message of the first unstorable string in a parsed JSON value. */
function firstUnstorable(
  value: unknown,
  path: string,
  depth = 0,
): { path: string; message: string } | undefined {
  if (depth > maxDepth && value !== null && typeof value === 'object') {
    return { path, message: `is nested more than ${maxDepth} levels deep` };
  }
  if (typeof value === 'string') {
    const message = unstorableTextIssue(value);
    return message ? { path, message } : undefined;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = firstUnstorable(v, `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      const message = k === '__proto__' ? 'is a reserved name' : unstorableTextIssue(k);
      if (message) return { path: at, message: `its name ${message}` };
      const found = firstUnstorable(v, at, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

export const storableText: MiddlewareHandler = async (c, next) => {
  if (c.req.header('content-type')?.includes('application/json')) {
    // Parsed once here; the route's validator reads the same cached body.
    const body: unknown = await c.req.json().catch(() => undefined);
    const found = firstUnstorable(body, '');
    if (found) throw badRequest([{ path: found.path || '(body)', message: found.message }]);
  }
  await next();
};
