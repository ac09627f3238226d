import { quote } from '../lib/normalize';
import { fromGrouparoo } from './grouparoo';
import type { ConfigIssue, SourcedObject } from './sources';

/**
 * Turns parsed objects, in Outflow's format or Grouparoo's, into declarations: one object of
 * the API per entry, by stable id, with the body its API create call takes.
 */

export const kinds = ['property', 'group', 'app', 'destination'] as const;
export type Kind = (typeof kinds)[number];

export interface Declaration {
  kind: Kind;
  /** the property key, or the group, app or destination id */
  id: string;
  /** the API create body, without the id (the API validates it) */
  body: Record<string, unknown>;
  source: string;
  /** per field path (`options.apiKey`), a hint added to an error there */
  hints?: Record<string, string>;
}

/** An object left out on purpose, with the reason shown in the plan. */
export interface Skipped {
  kind: string;
  id: string;
  source: string;
  reason: string;
}

export type Translation =
  { declaration: Declaration } | { skipped: Skipped } | { issue: ConfigIssue };

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Outflow's own format: `{ kind, id | key, ...API create body }`. */
function fromOutflow(value: Record<string, unknown>, source: string): Translation {
  const { kind, ...body } = value;
  if (!kinds.includes(kind as Kind)) {
    return {
      issue: { at: source, message: `kind must be one of ${kinds.join(', ')}, got ${quote(kind)}` },
    };
  }
  const idField = kind === 'property' ? 'key' : 'id';
  const id = body[idField];
  if (typeof id !== 'string' || id === '') {
    return { issue: { at: source, message: `a ${String(kind)} needs a stable "${idField}"` } };
  }
  if (kind !== 'property') delete body.id;
  return { declaration: { kind: kind as Kind, id, body, source } };
}

function translate(
  object: SourcedObject,
  connectorTypes: string[],
  env: NodeJS.ProcessEnv | undefined,
): Translation {
  const { value, source } = object;
  if (!isObject(value)) return { issue: { at: source, message: 'expected an object' } };
  if ('class' in value) return fromGrouparoo(value, source, connectorTypes, env);
  if ('kind' in value) return fromOutflow(value, source);
  return {
    issue: { at: source, message: 'an object needs "kind" (Outflow) or "class" (Grouparoo)' },
  };
}

export interface Declarations {
  declarations: Declaration[];
  skipped: Skipped[];
  issues: ConfigIssue[];
}

/**
 * Translates every object, refuses duplicate ids, and skips destinations whose app was
 * skipped (an unsupported type), so one unsupported tool does not fail the whole config.
 */
export function declarationsOf(
  objects: SourcedObject[],
  connectorTypes: string[],
  env: NodeJS.ProcessEnv | undefined,
): Declarations {
  const out: Declarations = { declarations: [], skipped: [], issues: [] };
  for (const object of objects) {
    const t = translate(object, connectorTypes, env);
    if ('issue' in t) out.issues.push(t.issue);
    else if ('skipped' in t) out.skipped.push(t.skipped);
    else out.declarations.push(t.declaration);
  }
  const seen = new Map<string, string>();
  for (const d of out.declarations) {
    const key = `${d.kind}:${d.id}`;
    const first = seen.get(key);
    if (first)
      out.issues.push({
        at: d.source,
        message: `${d.kind} "${d.id}" is also declared in ${first}`,
      });
    else seen.set(key, d.source);
  }
  const skippedApps = new Set(out.skipped.filter((s) => s.kind === 'app').map((s) => s.id));
  out.declarations = out.declarations.filter((d) => {
    const appId = d.body.appId;
    if (d.kind !== 'destination' || typeof appId !== 'string' || !skippedApps.has(appId))
      return true;
    out.skipped.push({
      kind: d.kind,
      id: d.id,
      source: d.source,
      reason: `its app "${appId}" is skipped`,
    });
    return false;
  });
  return out;
}
