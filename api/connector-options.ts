import type { ZodType } from 'zod';
import { getConnector } from '../connectors';
import type { Connector } from '../connectors/types';
import { badRequest } from './errors';
import { zodIssues } from './validation';

/** What secret option values look like in every response. */
export const secretMask = '********';

export function connectorFor(type: string, path = 'type'): Connector {
  const connector = getConnector(type);
  if (!connector) throw badRequest([{ path, message: `unknown connector type "${type}"` }]);
  return connector;
}

/**
 * Parses options with a connector's schema; a failure is a 400 with `options.<field>` paths.
 * Messages about secret options never quote the value.
 */
export function parseOptions<T>(
  schema: ZodType<T>,
  options: unknown,
  secretKeys: string[] = [],
  path = 'options',
): T {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const isSecret = (at: readonly PropertyKey[]) => secretKeys.includes(String(at[0]));
  const issues = zodIssues(parsed.error, options, isSecret).map((i) => ({
    ...i,
    path: i.path === '(body)' ? path : `${path}.${i.path}`,
  }));
  throw badRequest(issues);
}

export function maskSecrets(
  options: Record<string, unknown>,
  secretKeys: string[],
): Record<string, unknown> {
  const masked = { ...options };
  for (const key of secretKeys) if (masked[key] !== undefined) masked[key] = secretMask;
  return masked;
}

/** A client sends the mask back for secrets it did not change: keep the stored values. */
export function unmaskSecrets(
  incoming: Record<string, unknown>,
  stored: Record<string, unknown>,
  secretKeys: string[],
): Record<string, unknown> {
  const merged = { ...incoming };
  for (const key of secretKeys) if (merged[key] === secretMask) merged[key] = stored[key];
  return merged;
}
