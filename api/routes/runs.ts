import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq } from 'drizzle-orm';
import { endRun, runCounts, type SyncRunRow } from '../../db/runs';
import { destinations, syncRuns, syncRunKinds, syncRunStates } from '../../db/schema';
import { syncRunWorkflowId } from '../../workflows/definitions';
import { logger } from '../../lib/logger';
import { conflict, notFound } from '../errors';
import { idParams, responses } from '../openapi';
import { createRouter, type ApiDeps } from '../router';

/** Sync runs: the first sync, re-syncs and retries of a destination, with their counts. */

const tags = ['runs'];
const listQuery = z.object({
  kind: z.enum(syncRunKinds).optional(),
  state: z.enum(syncRunStates).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
const routes = {
  list: createRoute({
    method: 'get',
    path: '/{id}/runs',
    tags,
    request: { params: idParams, query: listQuery },
    responses: responses(200, "The destination's runs, newest first."),
  }),
  get: createRoute({
    method: 'get',
    path: '/{id}',
    tags,
    request: { params: idParams },
    responses: responses(200, 'One run with its counts (live while it runs).'),
  }),
  cancel: createRoute({
    method: 'post',
    path: '/{id}/cancel',
    tags,
    request: { params: idParams },
    responses: responses(200, 'The canceled run; profiles queued only for it are dropped.'),
  }),
};

const view = (run: SyncRunRow) => ({
  ...run,
  workflowId: syncRunWorkflowId(run.destinationId, run.id),
});

/** `GET /destinations/{id}/runs`, mounted beside the destination routes. */
export function destinationRunsRoutes({ db }: ApiDeps) {
  const app = createRouter();
  app.openapi(routes.list, async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    const [destination] = await db
      .select({ id: destinations.id })
      .from(destinations)
      .where(eq(destinations.id, id));
    if (!destination) throw notFound('destination', id);
    const rows = await db
      .select()
      .from(syncRuns)
      .where(
        and(
          eq(syncRuns.destinationId, id),
          q.kind ? eq(syncRuns.kind, q.kind) : undefined,
          q.state ? eq(syncRuns.state, q.state) : undefined,
        ),
      )
      .orderBy(desc(syncRuns.startedAt))
      .limit(q.limit);
    // As GET /runs/{id}: a running run is counted now, not as its last poll stored it.
    const runs = await Promise.all(
      rows.map(async (run) => {
        if (run.state !== 'running') return view(run);
        const { remaining: _r, ...counts } = await runCounts(db, run);
        return view({ ...run, ...counts });
      }),
    );
    return c.json({ runs }, 200);
  });
  return app;
}

/** `/runs/{id}` and `/runs/{id}/cancel`. */
export function runsRoutes({ db, temporal }: ApiDeps) {
  const app = createRouter();

  app.openapi(routes.get, async (c) => {
    const { id } = c.req.valid('param');
    const [run] = await db.select().from(syncRuns).where(eq(syncRuns.id, id));
    if (!run) throw notFound('run', id);
    if (run.state !== 'running') return c.json(view(run), 200);
    // The stored counts lag the run's workflow by one poll; count now instead.
    const { remaining: _r, ...counts } = await runCounts(db, run);
    return c.json(view({ ...run, ...counts }), 200);
  });

  app.openapi(routes.cancel, async (c) => {
    const { id } = c.req.valid('param');
    const run = await db.transaction(async (tx) => {
      const [row] = await tx.select().from(syncRuns).where(eq(syncRuns.id, id)).for('update');
      if (!row) throw notFound('run', id);
      if (row.state !== 'running') throw conflict(`run "${id}" is already ${row.state}`);
      return endRun(tx, row, 'canceled', 'canceled through the API');
    });
    // The run is canceled in Postgres already; ending its workflow now only saves a poll.
    await temporal.workflow
      .getHandle(syncRunWorkflowId(run.destinationId, run.id))
      .cancel()
      .catch((err: Error) =>
        logger.warn({ runId: id, err: { name: err.name } }, 'could not cancel run workflow'),
      );
    return c.json(view(run), 200);
  });

  return app;
}
