import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { loadDefinitions } from '../../db/profiles';
import { groupDestinations, queueGroupChanges } from '../../db/outbox';
import { recomputeWholeGroup } from '../../db/group-members';
import { groupMembers, groups } from '../../db/schema';
import { matchTypes } from '../../lib/rules';
import { badRequest, conflict, notFound } from '../errors';
import { rulesSchema, validateRules } from '../group-rules';
import { idParams, idSchema, jsonBody, newId, pageQuery, responses } from '../openapi';
import { createRouter, type ApiDeps } from '../router';
import { sameValue } from '../same-value';
import { notifyProfilesChanged, startDestinationWorkflow } from '../temporal';

const nameSchema = z.string().trim().min(1).max(191);
const createBody = z.strictObject({
  id: idSchema.optional(),
  name: nameSchema,
  kind: z.enum(['rules', 'manual']).default('rules'),
  matchType: z.enum(matchTypes).default('all'),
  rules: rulesSchema.default([]),
});
const patchBody = z.strictObject({
  name: nameSchema.optional(),
  matchType: z.enum(matchTypes).optional(),
  rules: rulesSchema.optional(),
});
const membersBody = z.strictObject({ profileIds: z.array(idSchema).min(1).max(5000) });

type GroupRow = typeof groups.$inferSelect;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

async function view(db: Db | Tx, g: GroupRow) {
  const [count] = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from group_members where group_id = ${g.id}`,
  );
  const { id, name, kind, matchType, rules, createdAt, updatedAt } = g;
  return { id, name, kind, matchType, rules, memberCount: count?.n ?? 0, createdAt, updatedAt };
}

async function lockGroup(tx: Tx, id: string): Promise<GroupRow> {
  const [row] = await tx.select().from(groups).where(eq(groups.id, id)).for('update');
  if (!row) throw notFound('group', id);
  return row;
}

const tags = ['groups'];
const withId = { params: idParams };
const routes = {
  create: createRoute({
    method: 'post',
    path: '/',
    tags,
    request: { body: jsonBody(createBody) },
    responses: responses(201, 'The group, with its members computed.'),
  }),
  list: createRoute({ method: 'get', path: '/', tags, responses: responses(200, 'All groups.') }),
  get: createRoute({
    method: 'get',
    path: '/{id}',
    tags,
    request: withId,
    responses: responses(200, 'The group and its member count.'),
  }),
  patch: createRoute({
    method: 'patch',
    path: '/{id}',
    tags,
    request: { ...withId, body: jsonBody(patchBody) },
    responses: responses(200, 'The updated group.'),
  }),
  remove: createRoute({
    method: 'delete',
    path: '/{id}',
    tags,
    request: withId,
    responses: responses(204, 'The group is gone.'),
  }),
  members: createRoute({
    method: 'get',
    path: '/{id}/members',
    tags,
    request: { ...withId, query: pageQuery },
    responses: responses(200, 'A page of member profile ids.'),
  }),
  addMembers: createRoute({
    method: 'post',
    path: '/{id}/members',
    tags,
    request: { ...withId, body: jsonBody(membersBody) },
    responses: responses(200, 'Counts of added members.'),
  }),
  removeMembers: createRoute({
    method: 'delete',
    path: '/{id}/members',
    tags,
    request: { ...withId, body: jsonBody(membersBody) },
    responses: responses(200, 'Counts of removed members.'),
  }),
};

/** Segments of profiles: rule groups are recomputed in SQL, manual groups are set here. */
export function groupsRoutes({ db, temporal, config }: ApiDeps) {
  const app = createRouter();
  const notify = (refs: { id: string; name: string; type: string }[], ids: string[]) =>
    notifyProfilesChanged(temporal, config.TEMPORAL_TASK_QUEUE, refs, ids);

  app.openapi(routes.create, async (c) => {
    const body = c.req.valid('json');
    if (body.kind === 'manual' && body.rules.length > 0) {
      throw badRequest([{ path: 'rules', message: 'a manual group has no rules' }]);
    }
    const created = await db.transaction(async (tx) => {
      const definitions = await loadDefinitions(tx);
      const checked = validateRules(body.rules, definitions);
      if (checked.issues.length > 0) throw badRequest(checked.issues);
      const values = { ...body, id: body.id ?? newId('grp'), rules: checked.rules };
      const [row] = await tx.insert(groups).values(values).onConflictDoNothing().returning();
      if (!row) throw conflict(`group "${values.id}" already exists`);
      // A new group cannot be tracked or mapped yet, so nothing is queued.
      if (row.kind === 'rules') await recomputeWholeGroup(tx, row, definitions, []);
      return view(tx, row);
    });
    return c.json(created, 201);
  });

  app.openapi(routes.list, async (c) => {
    const rows = await db.select().from(groups).orderBy(asc(groups.id));
    return c.json({ groups: await Promise.all(rows.map((g) => view(db, g))) }, 200);
  });

  app.openapi(routes.get, async (c) => {
    const { id } = c.req.valid('param');
    const [row] = await db.select().from(groups).where(eq(groups.id, id));
    if (!row) throw notFound('group', id);
    return c.json(await view(db, row), 200);
  });

  app.openapi(routes.patch, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const { group, refs } = await db.transaction(async (tx) => {
      const current = await lockGroup(tx, id);
      if (current.kind === 'manual' && body.rules && body.rules.length > 0) {
        throw badRequest([{ path: 'rules', message: 'a manual group has no rules' }]);
      }
      const definitions = await loadDefinitions(tx);
      const checked = validateRules(body.rules ?? current.rules, definitions);
      if (body.rules && checked.issues.length > 0) throw badRequest(checked.issues);
      const [row] = await tx
        .update(groups)
        .set({ ...body, ...(body.rules ? { rules: checked.rules } : {}), updatedAt: new Date() })
        .where(eq(groups.id, id))
        .returning();
      const recompute =
        row!.kind === 'rules' &&
        !(sameValue(row!.rules, current.rules) && row!.matchType === current.matchType);
      if (!recompute) return { group: await view(tx, row!), refs: [] };
      // Every profile is re-evaluated in SQL; only destinations that can see this group
      // get the movers queued, and are woken once to read their outbox.
      const refs = await groupDestinations(tx, id);
      const ids = refs.map((r) => r.id);
      await recomputeWholeGroup(tx, row!, definitions, ids);
      return { group: await view(tx, row!), refs };
    });
    const queue = config.TEMPORAL_TASK_QUEUE;
    await Promise.all(refs.map((ref) => startDestinationWorkflow(temporal, queue, ref)));
    return c.json(group, 200);
  });

  app.openapi(routes.remove, async (c) => {
    const { id } = c.req.valid('param');
    await db.transaction(async (tx) => {
      await lockGroup(tx, id);
      const users = await tx.execute<{ id: string; deleted: boolean }>(sql`
        select id, deleted_at is not null as deleted from destinations
        where group_id = ${id} or group_mapping ? ${id} order by id`);
      const live = users.filter((u) => !u.deleted).map((u) => `"${u.id}"`);
      if (live.length > 0)
        throw conflict(`group "${id}" is used by destination(s) ${live.join(', ')}`);
      // Deleted destinations keep their rows; only their references to this group go.
      await tx.execute(sql`
        update destinations set group_id = null, group_mapping = group_mapping - ${id}
        where deleted_at is not null and (group_id = ${id} or group_mapping ? ${id})`);
      await tx.delete(groups).where(eq(groups.id, id));
    });
    return c.body(null, 204);
  });

  app.openapi(routes.members, async (c) => {
    const { id } = c.req.valid('param');
    const { limit, after } = c.req.valid('query');
    const [row] = await db.select({ id: groups.id }).from(groups).where(eq(groups.id, id));
    if (!row) throw notFound('group', id);
    const page = await db
      .select({ profileId: groupMembers.profileId })
      .from(groupMembers)
      .where(
        and(eq(groupMembers.groupId, id), after ? gt(groupMembers.profileId, after) : undefined),
      )
      .orderBy(asc(groupMembers.profileId))
      .limit(limit);
    const profileIds = page.map((m) => m.profileId);
    const next = profileIds.length === limit ? profileIds[profileIds.length - 1] : null;
    return c.json({ profileIds, next }, 200);
  });

  const editMembers = (adding: boolean) => async (id: string, profileIds: string[]) => {
    const result = await db.transaction(async (tx) => {
      const group = await lockGroup(tx, id);
      if (group.kind !== 'manual')
        throw conflict(`group "${id}" is rule-based; its members follow its rules`);
      const ids = sql.param([...new Set(profileIds)]);
      const known = await tx.execute<{ id: string }>(
        sql`select id from profiles where id = any(${ids}::text[])`,
      );
      const missing = profileIds.filter((p) => !known.some((k) => k.id === p));
      if (adding && missing.length > 0) throw notFound('profile', missing[0]!);
      const rows = adding
        ? await tx.execute<{ profile_id: string }>(sql`
            insert into group_members (group_id, profile_id)
            select ${id}, u.id from unnest(${ids}::text[]) as u(id)
            on conflict do nothing returning profile_id`)
        : await tx.execute<{ profile_id: string }>(sql`
            delete from group_members where group_id = ${id} and profile_id = any(${ids}::text[])
            returning profile_id`);
      const changed = rows.map((r) => r.profile_id);
      const refs = await queueGroupChanges(tx, id, changed);
      return { changed, refs };
    });
    await notify(result.refs, result.changed);
    return { [adding ? 'added' : 'removed']: result.changed.length };
  };

  app.openapi(routes.addMembers, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await editMembers(true)(id, c.req.valid('json').profileIds), 200);
  });

  app.openapi(routes.removeMembers, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await editMembers(false)(id, c.req.valid('json').profileIds), 200);
  });

  return app;
}
