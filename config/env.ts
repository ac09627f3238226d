/**
 * Environment references in config values, resolved when a config is applied so secrets
 * never live in the files: `"${NAME}"` anywhere in a string, or `{ "$env": "NAME" }` as a
 * whole value. Resolved values are remembered so reports can hide them again.
 */

const inline = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface Resolution {
  value: unknown;
  /** names referenced but not set */
  missing: string[];
  /** the values that came from the environment, to redact from messages */
  secrets: string[];
}

function isEnvRef(value: unknown): value is { $env: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.length === 1 && keys[0] === '$env' && typeof (value as { $env: unknown }).$env === 'string'
  );
}

/** Replaces every reference in `value` (deeply) by its environment value. */
export function resolveEnv(value: unknown, env: NodeJS.ProcessEnv): Resolution {
  const missing = new Set<string>();
  const secrets = new Set<string>();
  const lookup = (name: string) => {
    const found = env[name];
    if (found === undefined) missing.add(name);
    else secrets.add(found);
    return found ?? '';
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(inline, (_, name: string) => lookup(name));
    if (isEnvRef(v)) return lookup(v.$env);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const resolved = walk(value);
  return { value: resolved, missing: [...missing], secrets: [...secrets] };
}

/** Hides values that came from the environment in a message meant for people or logs. */
export function redact(message: string, secrets: string[]): string {
  let out = message;
  // Very short values (e.g. "1") would blank out unrelated text and are not secrets anyway.
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[env value]');
  return out;
}

/** The dotted paths (`options.secret`, `headers[0]`) of every env reference in `value`. */
export function envReferencePaths(value: unknown, at = ''): string[] {
  const join = (key: string) => (at ? `${at}.${key}` : key);
  if (typeof value === 'string') return new RegExp(inline.source).test(value) ? [at] : [];
  if (isEnvRef(value)) return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => envReferencePaths(v, `${at}[${i}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => envReferencePaths(v, join(k)));
  return [];
}
