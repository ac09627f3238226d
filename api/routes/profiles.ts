import { createRoute, z } from '@hono/zod-openapi';
import { asc, eq, gt, sql } from 'drizzle-orm';
import { liveDestinations, type QueuedChanges } from '../../db/outbox';
import {
  deleteProfile,
  loadDefinitions,
  writeProfiles,
  type ProfileInput,
} from '../../db/profiles';
import { profiles } from '../../db/schema';
import type { ProfileProperties } from '../../lib/domain';
import { normalizeProperties, type PropertyDefinition } from '../../lib/normalize';
import { badRequest, notFound, type Issue } from '../errors';
import {
  batchSummary,
  namedUniqueError,
  refuseDuplicateValues,
  winningEntries,
  type BatchEntry,
} from '../profile-batch';
import { idParams, idSchema, jsonBody, pageQuery, responses } from '../openapi';
import { createRouter, type ApiDeps } from '../router';
import { analyzeAfter, refreshStatistics } from '../statistics';
import { notifyProfilesChanged } from '../temporal';

const propertiesSchema = z.record(z.string(), z.unknown());
const upsertBody = z.strictObject({ properties: propertiesSchema });
const batchBody = z.strictObject({
  profiles: z
    .array(z.strictObject({ id: idSchema, properties: propertiesSchema }))
    .min(1)
    .max(5000),
});

const tags = ['profiles'];
const withId = { params: idParams };
const routes = {
  put: createRoute({
    method: 'put',
    path: '/{id}',
    tags,
    request: { ...withId, body: jsonBody(upsertBody) },
    responses: responses(200, 'The stored profile.'),
  }),
  patch: createRoute({
    method: 'patch',
    path: '/{id}',
    tags,
    request: { ...withId, body: jsonBody(upsertBody) },
    responses: responses(200, 'The stored profile.'),
  }),
  get: createRoute({
    method: 'get',
    path: '/{id}',
    tags,
    request: withId,
    responses: responses(200, 'The profile with its groups.'),
  }),
  remove: createRoute({
    method: 'delete',
    path: '/{id}',
    tags,
    request: withId,
    responses: responses(204, 'The profile is gone; destinations will delete it.'),
  }),
  batch: createRoute({
    method: 'post',
    path: '/batch',
    tags,
    request: { body: jsonBody(batchBody) },
    responses: responses(200, 'How many profiles were received and changed.'),
  }),
  list: createRoute({
    method: 'get',
    path: '/',
    tags,
    request: { query: pageQuery },
    responses: responses(200, 'A page of profiles, by id.'),
  }),
};

function normalizeOrThrow(
  definitions: Record<string, PropertyDefinition>,
  input: Record<string, unknown>,
  path: string,
) {
  const result = normalizeProperties(definitions, input, path);
  if (result.issues.length > 0) throw badRequest(result.issues);
  return result;
}

/** Customers and their property values. Every write recomputes groups and queues exports. */
export function profilesRoutes({ db, temporal, config }: ApiDeps) {
  const app = createRouter();

  // After commit: wake the destinations that got work, each with its own profile ids. The
  // outbox already guarantees delivery.
  const notify = async (queued: QueuedChanges | null) => {
    if (!queued || queued.size === 0) return;
    const woken = (await liveDestinations(db)).filter((d) => queued.has(d.id));
    await Promise.all(
      woken.map((d) =>
        notifyProfilesChanged(temporal, config.TEMPORAL_TASK_QUEUE, [d], queued.get(d.id)!),
      ),
    );
  };

  const load = async (id: string) => {
    const [row] = await db.select().from(profiles).where(eq(profiles.id, id));
    if (!row) throw notFound('profile', id);
    const memberOf = await db.execute<{ id: string; name: string }>(sql`
      select g.id, g.name from group_members gm join groups g on g.id = gm.group_id
      where gm.profile_id = ${id} order by g.id`);
    const { properties, createdAt, updatedAt } = row;
    return { id, properties, groups: [...memberOf], createdAt, updatedAt };
  };

  const write = (
    build: (
      tx: Parameters<Parameters<typeof db.transaction>[0]>[0],
      defs: Record<string, PropertyDefinition>,
    ) => Promise<ProfileInput[]>,
  ) =>
    db.transaction(async (tx) => {
      const definitions = await loadDefinitions(tx);
      return writeProfiles(tx, definitions, await build(tx, definitions));
    });

  app.openapi(routes.put, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const { queued } = await write(async (_tx, defs) => {
      const { properties } = normalizeOrThrow(defs, body.properties, 'properties');
      return [{ id, properties }];
    });
    await notify(queued);
    return c.json(await load(id), 200);
  });

  app.openapi(routes.patch, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const { queued } = await write(async (tx, defs) => {
      const { properties, cleared } = normalizeOrThrow(defs, body.properties, 'properties');
      const [row] = await tx.select().from(profiles).where(eq(profiles.id, id)).for('update');
      if (!row) throw notFound('profile', id);
      const merged: ProfileProperties = { ...row.properties, ...properties };
      for (const key of cleared) delete merged[key];
      return [{ id, properties: merged }];
    });
    await notify(queued);
    return c.json(await load(id), 200);
  });

  app.openapi(routes.get, async (c) => c.json(await load(c.req.valid('param').id), 200));

  app.openapi(routes.remove, async (c) => {
    const { id } = c.req.valid('param');
    const queued = await db.transaction((tx) => deleteProfile(tx, id));
    if (!queued) throw notFound('profile', id);
    await notify(queued);
    return c.body(null, 204);
  });

  app.openapi(routes.batch, async (c) => {
    const { profiles: input } = c.req.valid('json');
    let entries: BatchEntry[] = [];
    const { changed, queued } = await write(async (tx, defs) => {
      const issues: Issue[] = [];
      const all = input.map((p, index) => {
        const r = normalizeProperties(defs, p.properties, `profiles[${index}].properties`);
        issues.push(...r.issues);
        return { index, id: p.id, properties: r.properties };
      });
      if (issues.length > 0) throw badRequest(issues.slice(0, 100));
      entries = winningEntries(all);
      await refuseDuplicateValues(tx, entries);
      return entries;
    }).catch((error: unknown) => {
      throw namedUniqueError(error, entries);
    });
    await notify(queued);
    if (changed.length >= analyzeAfter) await refreshStatistics(db);
    return c.json(batchSummary(input.length, entries.length, changed.length), 200);
  });

  app.openapi(routes.list, async (c) => {
    const { limit, after } = c.req.valid('query');
    const rows = await db
      .select()
      .from(profiles)
      .where(after ? gt(profiles.id, after) : undefined)
      .orderBy(asc(profiles.id))
      .limit(limit);
    const next = rows.length === limit ? rows[rows.length - 1]!.id : null;
    return c.json({ profiles: rows, next }, 200);
  });

  return app;
}
