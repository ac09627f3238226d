import { createRoute, z } from '@hono/zod-openapi';
import { asc, eq } from 'drizzle-orm';
import { apps, destinations } from '../../db/schema';
import { logger } from '../../lib/logger';
import { connectorFor, maskSecrets, parseOptions, unmaskSecrets } from '../connector-options';
import { conflict, notFound } from '../errors';
import { idParams, idSchema, jsonBody, newId, responses } from '../openapi';
import { createRouter, type ApiDeps } from '../router';

const optionsSchema = z.record(z.string(), z.unknown());
const nameSchema = z.string().trim().min(1).max(191);
const createBody = z.strictObject({
  id: idSchema.optional(),
  name: nameSchema,
  type: z.string().min(1),
  options: optionsSchema.default({}),
});
const patchBody = z.strictObject({
  name: nameSchema.optional(),
  options: optionsSchema.optional(),
});

type AppRow = typeof apps.$inferSelect;
function view(app: AppRow) {
  const { id, name, type, options, createdAt, updatedAt } = app;
  const secrets = connectorFor(type).app.secretOptions;
  return { id, name, type, options: maskSecrets(options, secrets), createdAt, updatedAt };
}

const tags = ['apps'];
const withId = { params: idParams };
const routes = {
  create: createRoute({
    method: 'post',
    path: '/',
    tags,
    request: { body: jsonBody(createBody) },
    responses: responses(201, 'The app; secret options masked.'),
  }),
  list: createRoute({ method: 'get', path: '/', tags, responses: responses(200, 'All apps.') }),
  get: createRoute({
    method: 'get',
    path: '/{id}',
    tags,
    request: withId,
    responses: responses(200, 'The app.'),
  }),
  patch: createRoute({
    method: 'patch',
    path: '/{id}',
    tags,
    request: { ...withId, body: jsonBody(patchBody) },
    responses: responses(200, 'The updated app.'),
  }),
  remove: createRoute({
    method: 'delete',
    path: '/{id}',
    tags,
    request: withId,
    responses: responses(204, 'The app is gone.'),
  }),
  test: createRoute({
    method: 'post',
    path: '/{id}/test',
    tags,
    request: withId,
    responses: responses(200, 'Whether the connection works.'),
  }),
};

/** Connections to outside tools. Secret options are stored but never returned. */
export function appsRoutes({ db }: ApiDeps) {
  const app = createRouter();

  const load = async (id: string) => {
    const [row] = await db.select().from(apps).where(eq(apps.id, id));
    if (!row) throw notFound('app', id);
    return row;
  };

  app.openapi(routes.create, async (c) => {
    const body = c.req.valid('json');
    const connector = connectorFor(body.type);
    const options = parseOptions(
      connector.app.options,
      body.options,
      connector.app.secretOptions,
    ) as Record<string, unknown>;
    const id = body.id ?? newId('app');
    const [row] = await db
      .insert(apps)
      .values({ id, name: body.name, type: body.type, options })
      .onConflictDoNothing()
      .returning();
    if (!row) throw conflict(`app "${id}" already exists`);
    return c.json(view(row), 201);
  });

  app.openapi(routes.list, async (c) => {
    const rows = await db.select().from(apps).orderBy(asc(apps.id));
    return c.json({ apps: rows.map(view) }, 200);
  });

  app.openapi(routes.get, async (c) => c.json(view(await load(c.req.valid('param').id)), 200));

  app.openapi(routes.patch, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const updated = await db.transaction(async (tx) => {
      const [current] = await tx.select().from(apps).where(eq(apps.id, id)).for('update');
      if (!current) throw notFound('app', id);
      const connector = connectorFor(current.type);
      const options = body.options
        ? (parseOptions(
            connector.app.options,
            unmaskSecrets(body.options, current.options, connector.app.secretOptions),
            connector.app.secretOptions,
          ) as Record<string, unknown>)
        : current.options;
      const [row] = await tx
        .update(apps)
        .set({ name: body.name ?? current.name, options, updatedAt: new Date() })
        .where(eq(apps.id, id))
        .returning();
      return row!;
    });
    return c.json(view(updated), 200);
  });

  app.openapi(routes.remove, async (c) => {
    const { id } = c.req.valid('param');
    await db.transaction(async (tx) => {
      const [row] = await tx.select().from(apps).where(eq(apps.id, id)).for('update');
      if (!row) throw notFound('app', id);
      // Deleted destinations keep their export history, so they block the app's removal too.
      const users = await tx
        .select({ id: destinations.id, deletedAt: destinations.deletedAt })
        .from(destinations)
        .where(eq(destinations.appId, id));
      const names = (rows: typeof users) => rows.map((u) => `"${u.id}"`).join(', ');
      const live = users.filter((u) => u.deletedAt === null);
      if (live.length > 0) throw conflict(`app "${id}" is used by destination(s) ${names(live)}`);
      if (users.length > 0) {
        throw conflict(
          `app "${id}" is kept for the export history of deleted destination(s) ${names(users)}`,
        );
      }
      await tx.delete(apps).where(eq(apps.id, id));
    });
    return c.body(null, 204);
  });

  app.openapi(routes.test, async (c) => {
    const row = await load(c.req.valid('param').id);
    const connector = connectorFor(row.type);
    try {
      return c.json(await connector.app.test(row.options), 200);
    } catch (error) {
      const err = error as Error;
      logger.info({ appId: row.id, err: { name: err.name } }, 'app test threw');
      return c.json({ ok: false, message: err.message }, 200);
    }
  });

  return app;
}
