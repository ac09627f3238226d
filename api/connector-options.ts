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

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Secrets shown as the mask. A secret that is a map (a webhook's extra headers) keeps its
 * names and masks each value, so a client can change one header and send the others back.
 */
export function maskSecrets(
  options: Record<string, unknown>,
  secretKeys: string[],
): Record<string, unknown> {
  const masked = { ...options };
  for (const key of secretKeys) {
    const value = masked[key];
    if (value === undefined) continue;
    masked[key] = isRecord(value)
      ? Object.fromEntries(Object.keys(value).map((name) => [name, secretMask]))
      : secretMask;
  }
  return masked;
}

/** A client sends the mask back for secrets it did not change: keep the stored values. */
export function unmaskSecrets(
  incoming: Record<string, unknown>,
  stored: Record<string, unknown>,
  secretKeys: string[],
): Record<string, unknown> {
  const merged = { ...incoming };
  for (const key of secretKeys) {
    const value = merged[key];
    const before = stored[key];
    if (value === secretMask) merged[key] = before;
    else if (isRecord(value)) {
      const kept = isRecord(before) ? before : {};
      merged[key] = Object.fromEntries(
        Object.entries(value).map(([name, v]) => [
          name,
          v === secretMask && Object.hasOwn(kept, name) ? kept[name] : v,
        ]),
      );
    }
  }
  return merged;
}
