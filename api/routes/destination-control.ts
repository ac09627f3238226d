import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { apps, destinations } from '../../db/schema';
import { logger } from '../../lib/logger';
import {
  pauseUpdate,
  resumeUpdate,
  retryExportsUpdate,
  type ControlState,
} from '../../workflows/definitions';
import { ApiError, conflict, notFound } from '../errors';
import { idParams, idSchema, jsonBody, responses } from '../openapi';
import { createRouter, type ApiDeps } from '../router';
import { updateDestinationWorkflow, type DestinationRef } from '../temporal';

/**
 * Live control of a destination's workflow: pause, resume, and retry of failed exports. Each
 * is a Temporal update, so the caller learns at once what the workflow did.
 */

const retryBody = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  exportIds: z.array(z.number().int().positive()).max(1000).optional(),
  profileIds: z.array(idSchema).max(1000).optional(),
  mode: z.enum(['fresh', 'exact']).default('fresh'),
  preview: z.boolean().default(false),
});

const tags = ['destinations'];
const routes = {
  retry: createRoute({
    method: 'post',
    path: '/{id}/retry',
    tags,
    request: { params: idParams, body: jsonBody(retryBody) },
    responses: responses(200, 'What was queued (or would be, in a preview) and what was skipped.'),
  }),
  pause: createRoute({
    method: 'post',
    path: '/{id}/pause',
    tags,
    request: { params: idParams },
    responses: responses(200, 'Paused: no export runs; changes wait in the outbox.'),
  }),
  resume: createRoute({
    method: 'post',
    path: '/{id}/resume',
    tags,
    request: { params: idParams },
    responses: responses(200, 'Resumed: what accumulated drains.'),
  }),
};

export function destinationControlRoutes({ db, temporal, config }: ApiDeps) {
  const app = createRouter();
  const taskQueue = config.TEMPORAL_TASK_QUEUE;

  /** The live destination as a workflow reference; 404 unknown, 409 deleted. */
  const live = async (id: string): Promise<DestinationRef> => {
    const [row] = await db
      .select({
        id: destinations.id,
        name: destinations.name,
        type: apps.type,
        deletedAt: destinations.deletedAt,
      })
      .from(destinations)
      .innerJoin(apps, eq(apps.id, destinations.appId))
      .where(eq(destinations.id, id));
    if (!row) throw notFound('destination', id);
    if (row.deletedAt) throw conflict(`destination "${id}" is deleted`);
    return { id: row.id, name: row.name, type: row.type };
  };

  app.openapi(routes.retry, async (c) => {
    const ref = await live(c.req.valid('param').id);
    const filter = c.req.valid('json');
    try {
      const result = await updateDestinationWorkflow(
        temporal,
        taskQueue,
        ref,
        retryExportsUpdate,
        filter,
      );
      return c.json(result, 200);
    } catch (err) {
      // The workflow's validator refused it: the message says which field.
      if (err instanceof WorkflowUpdateFailedError)
        throw new ApiError(400, (err.cause as Error | undefined)?.message ?? err.message);
      throw unreachable(ref.id, err);
    }
  });

  // The row is written first: it is what a restarted workflow reads, so the command holds
  // even when the update cannot be delivered right now.
  const setPaused = async (id: string, paused: boolean) => {
    const ref = await live(id);
    await db
      .update(destinations)
      .set({ paused, updatedAt: new Date() })
      .where(eq(destinations.id, id));
    let workflow: ControlState | null = null;
    try {
      const update = paused ? pauseUpdate : resumeUpdate;
      workflow = await updateDestinationWorkflow(temporal, taskQueue, ref, update);
    } catch (err) {
      const error = err as Error;
      logger.warn({ destinationId: id, err: { name: error.name } }, 'could not reach workflow');
    }
    return { id, paused, workflow };
  };
  app.openapi(routes.pause, async (c) =>
    c.json(await setPaused(c.req.valid('param').id, true), 200),
  );
  app.openapi(routes.resume, async (c) =>
    c.json(await setPaused(c.req.valid('param').id, false), 200),
  );

  return app;
}

function unreachable(destinationId: string, cause: unknown): ApiError {
  const error = cause as Error;
  logger.warn({ destinationId, err: { name: error.name } }, 'destination workflow did not answer');
  return new ApiError(
    502,
    `the workflow of destination "${destinationId}" did not answer`,
    undefined,
    { cause },
  );
}
