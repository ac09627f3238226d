import { listConnectors } from '../connectors';
import { applyDeclarations, type ApplyDeps, type PlanEntry } from './apply';
import { declarationsOf } from './declarations';
import { envReferencePaths, resolveEnv } from './env';
import { parseFiles, type ConfigFile, type ConfigIssue, type SourcedObject } from './sources';

/**
 * Configuration as code: files (or parsed objects) in, a plan out. `validate` checks every
 * object against the API without changing anything; `apply` commits when all succeed.
 */

export interface ConfigReport {
  /** true when the config is valid (and, for apply, was applied) */
  ok: boolean;
  committed: boolean;
  /** problems found before touching the database: unparsable files, missing env vars */
  issues: ConfigIssue[];
  plan: PlanEntry[];
}

export interface RunOptions {
  mode: 'validate' | 'apply';
  prune?: boolean;
  dryRun?: boolean;
  /**
   * Where `${NAME}` / `{ "$env": NAME }` are resolved: the CLI passes the environment of the
   * person running it. Absent (the HTTP API), references are refused: resolving them from the
   * server's environment would let any API caller read the server's variables.
   */
  env?: NodeJS.ProcessEnv;
}

/** Why a reference is refused when no environment was given. */
export const envRefusal =
  'environment references are not resolved over HTTP; apply this config with the CLI ' +
  '(`npm run config`), which reads the environment of the person running it';

/** Every env reference in the input, by object and field (`objects[2].options.secret`). */
export function envReferences(input: ConfigInput): { path: string; message: string }[] {
  const objects =
    'files' in input
      ? parseFiles(input.files).objects
      : input.objects.map((value, i) => ({ source: `objects[${i}]`, value }));
  return objects.flatMap(({ source, value }) =>
    envReferencePaths(value).map((field) => ({
      path: field ? `${source}.${field}` : source,
      message: envRefusal,
    })),
  );
}

export type ConfigInput = { files: ConfigFile[] } | { objects: unknown[] };

export async function runConfig(
  deps: ApplyDeps,
  input: ConfigInput,
  options: RunOptions,
): Promise<ConfigReport> {
  const { env } = options;
  const parsed =
    'files' in input
      ? parseFiles(input.files)
      : {
          objects: input.objects.map((value, i): SourcedObject => ({
            source: `objects[${i}]`,
            value,
          })),
          issues: [],
        };
  const types = listConnectors().map((c) => c.type);
  const { declarations, skipped, issues } = declarationsOf(parsed.objects, types, env);
  issues.unshift(...parsed.issues);
  const secrets: string[] = [];
  for (const d of declarations) {
    if (!env) {
      for (const field of envReferencePaths(d.body))
        issues.push({
          at: `${d.kind} "${d.id}" (${d.source})`,
          message: `${field}: ${envRefusal}`,
        });
      continue;
    }
    const resolved = resolveEnv(d.body, env);
    d.body = resolved.value as Record<string, unknown>;
    secrets.push(...resolved.secrets);
    for (const name of resolved.missing) {
      issues.push({
        at: `${d.kind} "${d.id}" (${d.source})`,
        message: `environment variable ${name} is not set`,
      });
    }
  }
  if (issues.length > 0) return { ok: false, committed: false, issues, plan: [] };
  const commit = options.mode === 'apply' && !options.dryRun;
  const { entries, committed } = await applyDeclarations(deps, declarations, skipped, {
    commit,
    prune: options.prune ?? false,
    secrets,
  });
  const ok = !entries.some((e) => e.action === 'error');
  return { ok, committed, issues, plan: entries };
}

/** The plan as lines for a terminal: action, kind, id, then the source or the reason. */
export function formatReport(report: ConfigReport): string[] {
  const lines = report.issues.map((i) => `error     ${i.at}: ${i.message}`);
  for (const e of report.plan) {
    const many = e.issues && e.issues.length > 1 ? e.issues : undefined;
    const message = many ? `${many.length} problems` : e.message;
    const note = message ? `: ${message}` : e.source ? ` (${e.source})` : '';
    lines.push(`${e.action.padEnd(9)} ${e.kind} "${e.id}"${note}`);
    for (const i of many ?? []) lines.push(`            ${i.path}: ${i.message}`);
  }
  return lines;
}
