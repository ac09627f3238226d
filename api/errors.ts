import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { logger } from '../lib/logger';
import { UniqueValueError } from '../db/profiles';

/** One field-level problem in a rejected request. */
export interface Issue {
  /** dotted path into the request, e.g. `properties.ltv` or `rules[2].op` */
  path: string;
  message: string;
}

/** An expected failure: its status and message are shown to the client as they are. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 422 | 502,
    message: string,
    readonly issues?: Issue[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function badRequest(issues: Issue[]): ApiError {
  const first = issues[0];
  const message = first ? `${first.path}: ${first.message}` : 'invalid request';
  return new ApiError(400, message, issues);
}

export function notFound(kind: string, id: string): ApiError {
  return new ApiError(404, `${kind} "${id}" does not exist`);
}

export function conflict(message: string): ApiError {
  return new ApiError(409, message);
}

/** The one error handler: expected errors become their JSON; the rest is logged and hidden. */
export function handleError(error: Error, c: Context): Response {
  if (error instanceof ApiError) {
    const body = { message: error.message, ...(error.issues ? { issues: error.issues } : {}) };
    return c.json({ error: body }, error.status);
  }
  if (error instanceof UniqueValueError) {
    return c.json({ error: { message: error.message } }, 409);
  }
  if (error instanceof HTTPException) {
    const res = error.getResponse();
    return c.json({ error: { message: error.message || 'unauthorized' } }, error.status, {
      ...Object.fromEntries(res.headers),
    });
  }
  // Only the error's class and message: SQL parameters could carry personal data.
  logger.error(
    { err: { name: error.name, message: error.message }, method: c.req.method, path: c.req.path },
    'request failed',
  );
  return c.json({ error: { message: 'internal error' } }, 500);
}
