import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { defaultSyncMode } from '../api/destination-definition';
import { getConnector } from '../connectors';
import { apps } from '../db/schema';
import { createApp } from '../api/app';
import type { Db } from '../db/client';
import type { Config } from '../lib/config';
import { logger } from '../lib/logger';
import { kinds, type Declaration, type Kind, type Skipped } from './declarations';
import { deferredTemporal, type DeferredTemporal } from './deferred-temporal';
import { redact } from './env';
import { storedIds, storedRow } from './state';

/**
 * Applies declarations through the API itself (`app.request()`), inside one database
 * transaction: each object in its own savepoint, so a failing object is reported and the
 * rest still checked. Validation and dry runs roll everything back; a real apply commits only
 * when every object succeeded, then sends the Temporal wake-ups the API asked for.
 */

export type Action = 'create' | 'update' | 'delete' | 'unchanged' | 'skip' | 'error' | 'keep';

export interface PlanEntry {
  kind: string;
  id: string;
  action: Action;
  source?: string;
  /** why an object is skipped, kept or failed; secrets from the environment are hidden */
  message?: string;
  issues?: { path: string; message: string }[];
}

export interface ApplyDeps {
  db: Db;
  config: Config;
  /** absent: no wake-ups are sent; workflows find the outbox on their next catch-up */
  temporal?: Client;
}

export interface ApplyOptions {
  /** commit the changes (false: validate or dry run) */
  commit: boolean;
  /** delete objects that are stored but no longer declared */
  prune: boolean;
}

const paths: Record<Kind, string> = {
  property: '/properties',
  group: '/groups',
  app: '/apps',
  destination: '/destinations',
};

class Rollback extends Error {
  override name = 'Rollback';
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

interface Step {
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
}

/** The API call that makes the stored object match the declaration, or a reason it cannot. */
function stepFor(
  d: Declaration,
  stored: Record<string, unknown> | undefined,
  syncModeDefault?: string,
): Step | string {
  const b = d.body;
  const path = `${paths[d.kind]}/${encodeURIComponent(d.id)}`;
  if (!stored)
    return {
      method: 'POST',
      path: paths[d.kind],
      body: d.kind === 'property' ? b : { ...b, id: d.id },
    };
  switch (d.kind) {
    case 'property': {
      const want = { type: b.type, unique: b.unique ?? false, isArray: b.isArray ?? false };
      const same = JSON.stringify(want) === JSON.stringify(stored);
      return same
        ? 'same'
        : `a property's type, unique and isArray cannot change; delete "${d.id}" first`;
    }
    case 'group':
      return {
        method: 'PATCH',
        path,
        body: { name: b.name, matchType: b.matchType ?? 'all', rules: b.rules ?? [] },
      };
    case 'app':
      if (b.type !== stored.type)
        return `an app's type cannot change (stored "${String(stored.type)}")`;
      return { method: 'PATCH', path, body: { name: b.name, options: b.options ?? {} } };
    case 'destination': {
      if (stored.deletedAt) return `destination "${d.id}" was deleted; declare it with a new id`;
      if (b.appId !== stored.appId)
        return `a destination's app cannot change (stored "${String(stored.appId)}")`;
      const { appId: _a, ...rest } = b;
      const body = {
        options: {},
        collection: 'none',
        groupId: null,
        mapping: {},
        groupMapping: {},
        // Left out, a field takes the API's default, even when the API changed it since.
        ...(syncModeDefault ? { syncMode: syncModeDefault } : {}),
        ...rest,
      };
      return { method: 'PATCH', path, body };
    }
  }
}

/** The sync mode a stored destination declared without one goes back to. */
async function syncModeDefault(tx: Tx, d: Declaration, stored: unknown) {
  if (d.kind !== 'destination' || !stored || d.body.syncMode !== undefined) return undefined;
  const [app] = await tx
    .select({ type: apps.type })
    .from(apps)
    .where(eq(apps.id, String(d.body.appId)));
  const connector = app && getConnector(app.type);
  return connector ? defaultSyncMode(connector) : undefined;
}

export async function applyDeclarations(
  deps: ApplyDeps,
  declarations: Declaration[],
  skipped: Skipped[],
  options: ApplyOptions & { secrets: string[] },
): Promise<{ entries: PlanEntry[]; committed: boolean }> {
  const apiKey = randomUUID();
  const hide = (text: string) => redact(text, options.secrets);
  const entries: PlanEntry[] = skipped.map((s) => ({ ...s, action: 'skip', message: s.reason }));
  const wakeUps: DeferredTemporal['calls'] = [];

  /** One API call in its own savepoint; `keepIf` decides whether its effects stay. */
  async function inSavepoint(tx: Tx, step: Step, keepIf: () => Promise<boolean>) {
    const temporal = deferredTemporal();
    try {
      return await tx.transaction(async (sp) => {
        const app = createApp({
          db: sp as unknown as Db,
          temporal: temporal.client,
          config: deps.config,
          apiKey,
        });
        const res = await app.request(step.path, {
          method: step.method,
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: step.body === undefined ? undefined : JSON.stringify(step.body),
        });
        const text = await res.text();
        const json = text
          ? (JSON.parse(text) as { error?: { message: string; issues?: PlanEntry['issues'] } })
          : {};
        if (!res.ok) return { ok: false as const, status: res.status, error: json.error };
        if (!(await keepIf())) throw new Rollback();
        wakeUps.push(...temporal.calls);
        return { ok: true as const, kept: true };
      });
    } catch (error) {
      if (error instanceof Rollback) return { ok: true as const, kept: false };
      throw error;
    }
  }

  const run = async (tx: Tx) => {
    for (const kind of kinds) {
      for (const d of declarations.filter((x) => x.kind === kind)) {
        const entry: PlanEntry = { kind, id: d.id, action: 'unchanged', source: d.source };
        entries.push(entry);
        const blocked = invalidReference(d, entries);
        if (blocked) {
          Object.assign(entry, { action: 'error', message: blocked });
          continue;
        }
        const stored = (await storedRow(tx, kind, d.id)) as Record<string, unknown> | undefined;
        const step = stepFor(d, stored, await syncModeDefault(tx, d, stored));
        if (step === 'same') continue;
        if (typeof step === 'string') {
          Object.assign(entry, { action: 'error', message: step });
          continue;
        }
        const result = await inSavepoint(tx, step, async () => {
          if (!stored) return true;
          const after = await storedRow(tx, kind, d.id);
          return JSON.stringify(after) !== JSON.stringify(stored);
        });
        if (!result.ok) {
          const hinted = (path: string, message: string) => {
            const hint = d.hints?.[path];
            return hint ? `${message} (${hint})` : message;
          };
          const issues = result.error?.issues?.map((i) => ({
            path: i.path,
            message: hinted(i.path, hide(i.message)),
          }));
          const first = issues?.[0];
          Object.assign(entry, {
            action: 'error',
            message: first
              ? `${first.path}: ${first.message}`
              : hide(result.error?.message ?? `HTTP ${result.status}`),
            issues,
          });
        } else if (result.kept) entry.action = stored ? 'update' : 'create';
      }
    }
    if (options.prune) await prune(tx);
    const failed = entries.some((e) => e.action === 'error');
    if (!options.commit || failed) throw new Rollback();
  };

  // Dependants first: a destination goes before its app and the groups it uses.
  const prune = async (tx: Tx) => {
    const protectedIds = new Set([...declarations, ...skipped].map((d) => `${d.kind}:${d.id}`));
    for (const kind of [...kinds].reverse()) {
      for (const id of (await storedIds(tx, kind)).sort()) {
        if (protectedIds.has(`${kind}:${id}`)) continue;
        const entry: PlanEntry = { kind, id, action: 'delete' };
        entries.push(entry);
        const step: Step = { method: 'DELETE', path: `${paths[kind]}/${encodeURIComponent(id)}` };
        const result = await inSavepoint(tx, step, async () => true);
        // A refusal (e.g. an app still referenced by deleted destinations' history) keeps it.
        if (!result.ok)
          Object.assign(entry, { action: 'keep', message: hide(result.error?.message ?? '') });
      }
    }
  };

  let committed = false;
  try {
    await deps.db.transaction(run);
    committed = true;
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  if (committed && deps.temporal) {
    for (const call of wakeUps) {
      await call(deps.temporal).catch((err: Error) =>
        logger.warn(
          { err: { name: err.name, message: hide(err.message) } },
          'could not wake a workflow',
        ),
      );
    }
  }
  return { entries, committed };
}

/**
 * Names the declared app or group a destination needs that is itself invalid, so the plan
 * points at the cause rather than saying the app "does not exist".
 */
function invalidReference(d: Declaration, entries: PlanEntry[]): string | undefined {
  if (d.kind !== 'destination') return undefined;
  const failed = (kind: Kind, id: unknown) =>
    entries.some((e) => e.kind === kind && e.id === id && e.action === 'error');
  const { appId, groupId, groupMapping } = d.body;
  if (failed('app', appId)) return `appId: app "${String(appId)}" is declared but invalid`;
  if (failed('group', groupId))
    return `groupId: group "${String(groupId)}" is declared but invalid`;
  const mapped = Object.keys((groupMapping ?? {}) as Record<string, unknown>);
  const group = mapped.find((id) => failed('group', id));
  if (group) return `groupMapping.${group}: group "${group}" is declared but invalid`;
  return undefined;
}
