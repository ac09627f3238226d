import { quote } from '../lib/normalize';
import type { Translation } from './declarations';

/**
 * Grouparoo's code-config objects (`class`: App, Property, Group, Destination) read as they
 * are. Field names are Grouparoo's; `modelId` is ignored because Outflow has one model.
 */

type GObject = Record<string, unknown>;

const notApplicable = new Set([
  'Source',
  'Schedule',
  'Model',
  'Team',
  'TeamMember',
  'ApiKey',
  'Setting',
]);

const propertyTypes: Record<string, string> = { phoneNumber: 'phone' };

/** Grouparoo's top-level rule columns, as Outflow's built-in rule properties. */
const columnRules: Record<string, string> = {
  grouparooId: '_id',
  grouparooCreatedAt: '_createdAt',
  id: '_id',
  createdAt: '_createdAt',
};

// Grouparoo configs name env vars in options (`"apiKey": "MAILCHIMP_API_KEY"`).
const envName = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

/**
 * The connector for a Grouparoo app or destination type: the registered type it equals or
 * starts with (`mailchimp-export-contacts` → `mailchimp`).
 */
export function connectorTypeOf(type: string, connectorTypes: string[]): string | undefined {
  return connectorTypes
    .filter((c) => type === c || type.startsWith(`${c}-`))
    .sort((a, b) => b.length - a.length)[0];
}

/** Options whose value is the name of a set env var become references to it. */
function options(value: unknown, env: NodeJS.ProcessEnv | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    out[k] = typeof v === 'string' && envName.test(v) && env?.[v] !== undefined ? { $env: v } : v;
  }
  return out;
}

/**
 * What to add to an option's error when its value names an env var that is not set. Over HTTP
 * (no environment) the value was taken as written, and setting the variable would not help.
 */
function unsetEnvHints(value: unknown, env: NodeJS.ProcessEnv | undefined): Record<string, string> {
  const hints: Record<string, string> = {};
  for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    if (typeof v !== 'string' || !envName.test(v) || env?.[v] !== undefined) continue;
    hints[`options.${k}`] = env
      ? `Grouparoo reads ${v} from the environment here: set it`
      : `Grouparoo read ${v} from the environment; over HTTP it is taken as written: apply with npm run config`;
  }
  return hints;
}

function rule(r: GObject): GObject {
  const property = String(r.propertyId ?? r.key ?? '');
  const column = columnRules[String(r.recordColumn ?? '')] ?? columnRules[property];
  const out: GObject = { property: column ?? property, op: r.op };
  // Grouparoo reads the match "null" as SQL NULL.
  const isNull = typeof r.match === 'string' && r.match.toLowerCase() === 'null';
  if (isNull && r.op === 'eq') return { property: out.property, op: 'notExists' };
  if (isNull && r.op === 'ne') return { property: out.property, op: 'exists' };
  for (const key of ['match', 'relativeMatchNumber', 'relativeMatchUnit'] as const) {
    if (r[key] !== undefined && r[key] !== null) out[key] = r[key];
  }
  return out;
}

const collections: Record<string, string> = { model: 'all', none: 'none', group: 'group' };

export function fromGrouparoo(
  g: GObject,
  source: string,
  connectorTypes: string[],
  env: NodeJS.ProcessEnv | undefined,
): Translation {
  const cls = String(g.class);
  const id = typeof g.id === 'string' ? g.id : '';
  const skip = (reason: string): Translation => ({
    skipped: { kind: cls.toLowerCase(), id, source, reason },
  });
  if (notApplicable.has(cls)) return skip('not applicable to Outflow, skipped');
  if (!id) return { issue: { at: source, message: `a Grouparoo ${cls} needs an "id"` } };
  const declare = (
    kind: 'property' | 'group' | 'app' | 'destination',
    body: GObject,
    hints?: Record<string, string>,
  ) => ({ declaration: { kind, id, body, source, ...(hints ? { hints } : {}) } }) as const;

  switch (cls) {
    case 'Property':
      return declare('property', {
        key: id,
        type: propertyTypes[String(g.type)] ?? g.type,
        unique: g.unique ?? false,
        isArray: g.isArray ?? false,
      });
    case 'Group':
      // Outflow keeps manual groups out of configuration, as their members are data; taken as
      // a rule group without rules, it would have silently had no members.
      if (g.type === 'manual')
        return skip('manual group: its members are data, not configuration; skipped');
      return declare('group', {
        name: g.name,
        ...(g.matchType ? { matchType: g.matchType } : {}),
        rules: ((g.rules ?? []) as GObject[]).map(rule),
      });
    case 'App': {
      const type = connectorTypeOf(String(g.type), connectorTypes);
      if (!type) return skip(`unsupported app type ${quote(g.type)}, skipped`);
      const body = { name: g.name, type, options: options(g.options, env) };
      return declare('app', body, unsetEnvHints(g.options, env));
    }
    case 'Destination': {
      if (!connectorTypeOf(String(g.type), connectorTypes))
        return skip(`unsupported destination type ${quote(g.type)}, skipped`);
      const memberships = (g.destinationGroupMemberships ?? {}) as Record<string, string>;
      const collection = collections[String(g.collection ?? 'none')] ?? g.collection;
      return declare(
        'destination',
        {
          name: g.name,
          appId: g.appId,
          options: options(g.options, env),
          collection,
          groupId: collection === 'group' ? (g.groupId ?? null) : null,
          mapping: g.mapping ?? {},
          // Grouparoo's code config writes {remote name: group id}; the API takes the inverse.
          groupMapping: Object.fromEntries(Object.entries(memberships).map(([n, gid]) => [gid, n])),
          ...(g.syncMode ? { syncMode: g.syncMode } : {}),
        },
        unsetEnvHints(g.options, env),
      );
    }
    default:
      return { issue: { at: source, message: `unknown Grouparoo class ${quote(cls)}` } };
  }
}
