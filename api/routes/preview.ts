import { createRoute, z } from '@hono/zod-openapi';
import { loadDestination } from '../../activities/load';
import type { Db } from '../../db/client';
import { conflict, notFound } from '../errors';
import { idParams, idSchema, responses } from '../openapi';
import { dryRun, previewProfile } from '../preview';
import { createRouter, type ApiDeps } from '../router';

/**
 * What a destination would be sent, without sending: one profile's planned export, or the
 * counts of a full re-evaluation. Mounted under `/destinations`.
 */

const tags = ['destinations'];
const routes = {
  preview: createRoute({
    method: 'get',
    path: '/{id}/preview',
    tags,
    summary: "One profile's planned export: operation, old and new values and groups",
    request: { params: idParams, query: z.object({ profileId: idSchema }) },
    responses: responses(200, 'The export that would be sent; nothing is written or sent.'),
  }),
  dryRun: createRoute({
    method: 'get',
    path: '/{id}/dry-run',
    tags,
    summary: 'Counts of what re-evaluating the whole destination would send',
    request: { params: idParams },
    responses: responses(200, 'Counts over the collection and every profile the remote holds.'),
  }),
};

async function liveDestination(db: Db, id: string) {
  const row = await loadDestination(db, id);
  if (!row) throw notFound('destination', id);
  if (row.destination.deletedAt) throw conflict(`destination "${id}" is deleted`);
  return row;
}

export function previewRoutes({ db }: ApiDeps) {
  const app = createRouter();

  app.openapi(routes.preview, async (c) => {
    const { id } = c.req.valid('param');
    const { profileId } = c.req.valid('query');
    const { destination, app: remote } = await liveDestination(db, id);
    const preview = await previewProfile(db, destination, remote, profileId);
    if (!preview) throw notFound('profile', profileId);
    const { plan, ...rest } = preview;
    return c.json({ destinationId: id, profileId, ...rest, ...(plan ?? emptyPlan) }, 200);
  });

  app.openapi(routes.dryRun, async (c) => {
    const { id } = c.req.valid('param');
    const { destination, app: remote } = await liveDestination(db, id);
    const counts = await dryRun(db, destination, remote);
    return c.json({ destinationId: id, configVersion: destination.configVersion, ...counts }, 200);
  });

  return app;
}

// Skipped and failed plans send nothing: the response still has every field.
const emptyPlan = {
  toDelete: false,
  oldProperties: {},
  newProperties: {},
  oldGroups: [],
  newGroups: [],
};
