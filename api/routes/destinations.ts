import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { dropQueue, queueCollection, queueReevaluation } from '../../db/outbox';
import { createRun, endRun, newRunId, sealRun, supersedeRuns } from '../../db/runs';
import { apps, destinations, syncRuns } from '../../db/schema';
import { collectionTypes, exportStates, syncModes } from '../../lib/domain';
import { destinationWorkflowId } from '../../workflows/definitions';
import { connectorFor } from '../connector-options';
import { checkDefinition, type DestinationDefinition } from '../destination-definition';
import { conflict, notFound } from '../errors';
import { idParams, idSchema, jsonBody, newId, responses } from '../openapi';
import { createRouter, type ApiDeps } from '../router';
import { article } from '../../lib/quote';
import { sameValue } from '../same-value';
import { notifyDestinationDeleted, sendSettings, startDestinationWorkflow } from '../temporal';

const fields = {
  name: z.string().trim().min(1).max(191),
  appId: idSchema,
  options: z.record(z.string(), z.unknown()),
  collection: z.enum(collectionTypes),
  groupId: idSchema.nullable(),
  mapping: z.record(z.string(), z.string()),
  groupMapping: z.record(z.string(), z.string().min(1).max(191)),
  syncMode: z.enum(syncModes),
};
const createBody = z.strictObject({
  id: idSchema.optional(),
  name: fields.name,
  appId: fields.appId,
  options: fields.options.default({}),
  collection: fields.collection.default('none'),
  groupId: fields.groupId.optional(),
  mapping: fields.mapping.default({}),
  groupMapping: fields.groupMapping.default({}),
  syncMode: fields.syncMode.optional(),
});
const { appId: _appId, ...editable } = fields;
/** Live settings: applied by the running workflow at once, without a re-sync. */
const settingsBody = z.strictObject({
  concurrency: z.number().int().min(1).max(64).optional(),
  batchSize: z.number().int().min(1).max(10_000).optional(),
  /** null lifts the limit */
  maxProfilesPerSecond: z.number().positive().max(1_000_000).nullable().optional(),
  autoRetry: z
    .strictObject({
      maxTimes: z.number().int().min(0).max(100),
      afterMs: z.number().int().min(0),
    })
    .optional(),
});
const patchBody = z.strictObject({ ...editable, settings: settingsBody }).partial();

type DestinationRow = typeof destinations.$inferSelect;
const view = (d: DestinationRow) => ({ ...d, workflowId: destinationWorkflowId(d.id) });

/** The fields whose change re-evaluates every affected profile, as a re-sync names them. */
const definitionKeys = {
  options: 'options',
  collection: 'collection',
  groupId: 'collection',
  mapping: 'mapping',
  groupMapping: 'group mapping',
  syncMode: 'sync mode',
} as const;

const tags = ['destinations'];
const withId = { params: idParams };
const routes = {
  create: createRoute({
    method: 'post',
    path: '/',
    tags,
    request: { body: jsonBody(createBody) },
    responses: responses(201, 'The destination; its workflow is started.'),
  }),
  list: createRoute({
    method: 'get',
    path: '/',
    tags,
    responses: responses(200, 'All live destinations.'),
  }),
  get: createRoute({
    method: 'get',
    path: '/{id}',
    tags,
    request: withId,
    responses: responses(200, 'The destination (deleted ones too).'),
  }),
  patch: createRoute({
    method: 'patch',
    path: '/{id}',
    tags,
    request: { ...withId, body: jsonBody(patchBody) },
    responses: responses(200, 'The updated destination.'),
  }),
  remove: createRoute({
    method: 'delete',
    path: '/{id}',
    tags,
    request: withId,
    responses: responses(204, 'Deleted; the remote keeps its data.'),
  }),
  status: createRoute({
    method: 'get',
    path: '/{id}/status',
    tags,
    request: withId,
    responses: responses(
      200,
      'Exports by state, changes waiting, and the activities Temporal is retrying with their last failure.',
    ),
  }),
  mappingOptions: createRoute({
    method: 'get',
    path: '/{id}/mapping-options',
    tags,
    request: withId,
    responses: responses(200, "The connector's remote fields."),
  }),
};

/** Where profiles are sent. Each live destination has one long-lived workflow. */
export function destinationsRoutes({ db, temporal, config }: ApiDeps) {
  const app = createRouter();
  const taskQueue = config.TEMPORAL_TASK_QUEUE;

  const load = async (id: string) => {
    const [row] = await db.select().from(destinations).where(eq(destinations.id, id));
    if (!row) throw notFound('destination', id);
    return row;
  };

  app.openapi(routes.create, async (c) => {
    const body = c.req.valid('json');
    const id = body.id ?? newId('dst');
    const { row, type } = await db.transaction(async (tx) => {
      const def = await checkDefinition(tx, id, { ...body, groupId: body.groupId ?? null });
      const { type: connectorType, ...values } = def;
      const [row] = await tx
        .insert(destinations)
        .values({ ...values, id, name: body.name })
        .onConflictDoNothing()
        .returning();
      if (!row) throw conflict(`destination "${id}" already exists`);
      // The first full sync is a run: its profiles are queued tagged with it.
      const runId = newRunId();
      const { configVersion } = row;
      const summary = `First sync of ${row.name}`;
      await createRun(tx, {
        id: runId,
        destinationId: id,
        kind: 'initial',
        summary,
        configVersion,
      });
      await queueCollection(tx, id, row.collection, row.groupId, runId);
      await sealRun(tx, runId);
      return { row, type: connectorType };
    });
    await startDestinationWorkflow(temporal, taskQueue, { id, name: row.name, type });
    return c.json(view(row), 201);
  });

  app.openapi(routes.list, async (c) => {
    const rows = await db
      .select()
      .from(destinations)
      .where(isNull(destinations.deletedAt))
      .orderBy(asc(destinations.id));
    return c.json({ destinations: rows.map(view) }, 200);
  });

  app.openapi(routes.get, async (c) => c.json(view(await load(c.req.valid('param').id)), 200));

  app.openapi(routes.patch, async (c) => {
    const { id } = c.req.valid('param');
    const { settings, ...body } = c.req.valid('json');
    const { row, type, reevaluate, settingsChanged } = await db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(destinations)
        .where(eq(destinations.id, id))
        .for('update');
      if (!current) throw notFound('destination', id);
      if (current.deletedAt) throw conflict(`destination "${id}" is deleted`);
      const next: DestinationDefinition = { ...current, ...body };
      if (body.collection && body.collection !== 'group' && body.groupId === undefined)
        next.groupId = null;
      // A PATCH of the name or settings alone is not checked against the tool: the live
      // controls must work exactly when the tool is down or rate-limiting.
      const touchesDefinition = Object.keys(definitionKeys).some(
        (k) => body[k as keyof typeof body] !== undefined,
      );
      const { type, ...def } = touchesDefinition
        ? await checkDefinition(tx, id, next)
        : { ...current, type: await appType(tx, current.appId) };
      const changed = Object.entries(definitionKeys).filter(
        ([k]) => !sameValue(def[k as keyof typeof def], current[k as keyof typeof current]),
      );
      const reevaluate = changed.length > 0;
      const nextSettings = settings ? { ...current.settings, ...settings } : current.settings;
      const settingsChanged = !sameValue(nextSettings, current.settings);
      const [row] = await tx
        .update(destinations)
        .set({
          ...def,
          name: body.name ?? current.name,
          settings: nextSettings,
          updatedAt: new Date(),
          ...(reevaluate ? { configVersion: sql`${destinations.configVersion} + 1` } : {}),
        })
        .where(eq(destinations.id, id))
        .returning();
      if (reevaluate) {
        // A re-sync is a run; it replaces a first sync or re-sync still going, taking over
        // the profiles that one had not reached.
        const runId = newRunId();
        const what = [...new Set(changed.map(([, label]) => label))].join(' and ');
        await createRun(tx, {
          id: runId,
          destinationId: id,
          kind: 'resync',
          summary: `Re-sync of ${row!.name} after ${article(what)} ${what} change`,
          configVersion: row!.configVersion,
        });
        await supersedeRuns(tx, id, runId);
        // Everyone who was or will be in scope, and everyone the remote still holds. New
        // options may point elsewhere (another table or audience): then all are sent again.
        const resend = changed.some(([k]) => k === 'options');
        await queueReevaluation(tx, id, [current, row!], runId, resend);
        await sealRun(tx, runId);
      }
      return { row: row!, type, reevaluate, settingsChanged };
    });
    const ref = { id, name: row.name, type };
    if (reevaluate) await startDestinationWorkflow(temporal, taskQueue, ref);
    if (settingsChanged) await sendSettings(temporal, taskQueue, ref, row.settings);
    return c.json(view(row), 200);
  });

  app.openapi(routes.remove, async (c) => {
    const { id } = c.req.valid('param');
    const row = await db.transaction(async (tx) => {
      const [deleted] = await tx
        .update(destinations)
        .set({ deletedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(destinations.id, id), isNull(destinations.deletedAt)))
        .returning({ id: destinations.id });
      if (!deleted) return undefined;
      // Runs end first, counted while their rows still say what was left; then the queue
      // goes, so `changesWaiting` drops to 0. The remote keeps what it received.
      const running = await tx
        .select()
        .from(syncRuns)
        .where(and(eq(syncRuns.destinationId, id), eq(syncRuns.state, 'running')));
      for (const run of running) await endRun(tx, run, 'failed', 'the destination was deleted');
      await dropQueue(tx, id);
      return deleted;
    });
    if (!row)
      await load(id); // 404 when unknown; deleting twice is fine
    else await notifyDestinationDeleted(temporal, id);
    return c.body(null, 204);
  });

  app.openapi(routes.status, async (c) => {
    const { id } = c.req.valid('param');
    await load(id);
    const counts = await db.execute<{ state: string; n: number }>(
      sql`select state, count(*)::int as n from exports where destination_id = ${id} group by state`,
    );
    const exportsByState = Object.fromEntries(exportStates.map((s) => [s, 0]));
    for (const r of counts) exportsByState[r.state] = r.n;
    // Profiles, not outbox rows: a profile changed twice, or queued by a re-sync for both its
    // old and new collection, waits for one export (as a run's `total` counts it).
    const [extra] = await db.execute<{ waiting: number; last: string | null; retry: number }>(sql`
      select (select count(distinct profile_id)::int from destination_changes
              where destination_id = ${id}) as waiting,
             (select max(completed_at) from exports where destination_id = ${id}) as last,
             (select count(*)::int from exports where destination_id = ${id}
                and state = 'pending' and send_at is not null) as retry`);
    return c.json(
      {
        exports: exportsByState,
        changesWaiting: extra?.waiting ?? 0,
        lastExportAt: extra?.last ? new Date(extra.last).toISOString() : null,
        workflowId: destinationWorkflowId(id),
        // Exports the tool answered with a transient failure, waiting for their retryAt.
        exportsAwaitingRetry: extra?.retry ?? 0,
        retryingActivities: await retryingActivities(temporal, id),
      },
      200,
    );
  });

  app.openapi(routes.mappingOptions, async (c) => {
    const row = await load(c.req.valid('param').id);
    const [owner] = await db.select().from(apps).where(eq(apps.id, row.appId));
    const connector = connectorFor(owner!.type);
    const options = await connector.mappingOptions({
      appId: owner!.id,
      appOptions: owner!.options,
      destinationId: row.id,
      destinationOptions: row.options,
    });
    return c.json(options, 200);
  });

  return app;
}

async function appType(tx: Pick<Db, 'select'>, appId: string): Promise<string> {
  const [app] = await tx.select({ type: apps.type }).from(apps).where(eq(apps.id, appId));
  return app!.type;
}

/**
 * Activities of the destination's workflow that Temporal is retrying (a tool that cannot be
 * reached, a refused login): why changes wait, without opening the Temporal UI. Null when
 * Temporal could not be asked.
 */
async function retryingActivities(temporal: ApiDeps['temporal'], destinationId: string) {
  try {
    const handle = temporal.workflow.getHandle(destinationWorkflowId(destinationId));
    const { raw } = await temporal.withDeadline(Date.now() + 2_000, () => handle.describe());
    return (raw.pendingActivities ?? [])
      .filter((a) => (a.attempt ?? 0) > 1 && a.lastFailure)
      .map((a) => ({
        activity: a.activityType?.name ?? 'unknown',
        attempt: a.attempt ?? 0,
        lastFailure: a.lastFailure?.message ?? '',
      }));
  } catch (error) {
    // No workflow running: nothing is being retried.
    if (error instanceof WorkflowNotFoundError) return [];
    return null;
  }
}
