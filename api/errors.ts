import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { logger } from '../lib/logger';
import { UniqueValueError } from '../db/profiles';
import { RemoteRefusedError, RemoteUnavailableError } from '../connectors/types';

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
  if (error instanceof RemoteUnavailableError) {
    // The tool could not be asked (down, rate-limited): its message names the tool and why,
    // never data; the client may try again, after the delay the tool asked for if it did.
    const retryAfter =
      error.retryAfterMs === undefined ? undefined : Math.ceil(error.retryAfterMs / 1000);
    const headers = retryAfter === undefined ? undefined : { 'Retry-After': String(retryAfter) };
    return c.json({ error: { message: error.message } }, 502, headers);
  }
  if (error instanceof RemoteRefusedError) {
    // The tool refused what the options ask of it (its key, an audience id): fix the options.
    return c.json({ error: { message: error.message } }, 422);
  }
  if (error instanceof HTTPException) {
    // Its headers (WWW-Authenticate) go along, but not its text/plain content type.
    const headers = Object.fromEntries(error.getResponse().headers);
    delete headers['content-type'];
    return c.json({ error: { message: error.message || 'unauthorized' } }, error.status, headers);
  }
  logger.error(
    { err: safeFields(error), method: c.req.method, route: c.req.routePath },
    'request failed',
  );
  return c.json({ error: { message: 'internal error' } }, 500);
}

/**
 * What an unexpected error may put in the log. Never its message: a driver's message quotes
 * the SQL and its parameters (whole profiles), and even a parse error quotes its input. The
 * name, the Postgres SQLSTATE and constraint, and the stack frames (without the first line,
 * which repeats the message) say where it failed without saying about whom.
 */
export function safeFields(error: Error): Record<string, unknown> {
  const names: string[] = [];
  let code: string | undefined;
  let constraint: string | undefined;
  for (let e: unknown = error; e instanceof Error && names.length < 5; e = e.cause) {
    names.push(e.name);
    const pg = e as { code?: unknown; constraint_name?: unknown };
    if (!code && typeof pg.code === 'string') code = pg.code;
    if (!constraint && typeof pg.constraint_name === 'string') constraint = pg.constraint_name;
  }
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 5)
    .map((line) => line.trim());
  return { name: names.join(' < '), code, constraint, frames };
}
