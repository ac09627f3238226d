import { createRoute, z } from '@hono/zod-openapi';
import { asc, eq, sql } from 'drizzle-orm';
import { properties } from '../../db/schema';
import { uniqueIndexName } from '../../db/profiles';
import { propertyTypes } from '../../lib/domain';
import { ApiError, badRequest, conflict, notFound } from '../errors';
import { jsonBody, responses } from '../openapi';
import { createRouter, type ApiDeps } from '../router';

const keySchema = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/, 'keys start with a letter: letters, digits, _');
const keyParams = z.object({ key: keySchema.openapi({ param: { name: 'key', in: 'path' } }) });

const createBody = z.strictObject({
  key: keySchema,
  type: z.enum(propertyTypes),
  unique: z.boolean().default(false),
  isArray: z.boolean().default(false),
});

type PropertyRow = typeof properties.$inferSelect;
const view = (p: PropertyRow) => ({
  key: p.key,
  type: p.type,
  unique: p.unique,
  isArray: p.isArray,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});

const tags = ['properties'];
const create = createRoute({
  method: 'post',
  path: '/',
  tags,
  request: { body: jsonBody(createBody) },
  responses: responses(201, 'The property was created.'),
});
const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  responses: responses(200, 'All properties.'),
});
const get = createRoute({
  method: 'get',
  path: '/{key}',
  tags,
  request: { params: keyParams },
  responses: responses(200, 'The property.'),
});
const remove = createRoute({
  method: 'delete',
  path: '/{key}',
  tags,
  request: { params: keyParams },
  responses: responses(204, 'The property and its values are gone.'),
});

/** Typed attributes of profiles. A unique property is backed by a unique expression index. */
export function propertiesRoutes({ db }: ApiDeps) {
  const app = createRouter();

  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    if (body.unique && body.isArray) {
      throw badRequest([{ path: 'unique', message: 'an array property cannot be unique' }]);
    }
    const created = await db.transaction(async (tx) => {
      const [row] = await tx.insert(properties).values(body).onConflictDoNothing().returning();
      if (!row) throw conflict(`property "${body.key}" already exists`);
      if (body.unique) {
        // The key matches a strict pattern, so it is safe to place in DDL.
        const index = sql.raw(`"${uniqueIndexName(body.key)}"`);
        await tx
          .execute(
            sql`create unique index ${index} on profiles ((properties ->> ${sql.raw(`'${body.key}'`)}))`,
          )
          .catch((error: unknown) => {
            throw new ApiError(409, `profiles already share values of "${body.key}"`, undefined, {
              cause: error,
            });
          });
      }
      return row;
    });
    return c.json(view(created), 201);
  });

  app.openapi(list, async (c) => {
    const rows = await db.select().from(properties).orderBy(asc(properties.key));
    return c.json({ properties: rows.map(view) }, 200);
  });

  app.openapi(get, async (c) => {
    const { key } = c.req.valid('param');
    const [row] = await db.select().from(properties).where(eq(properties.key, key));
    if (!row) throw notFound('property', key);
    return c.json(view(row), 200);
  });

  app.openapi(remove, async (c) => {
    const { key } = c.req.valid('param');
    await db.transaction(async (tx) => {
      const [row] = await tx.select().from(properties).where(eq(properties.key, key)).for('update');
      if (!row) throw notFound('property', key);
      const users = await tx.execute<{ kind: string; id: string }>(sql`
        select 'destination' as kind, id from destinations
        where deleted_at is null
          and exists (select 1 from jsonb_each_text(mapping) m where m.value = ${key})
        union all
        select 'group', id from groups where rules @> ${JSON.stringify([{ property: key }])}::jsonb
        order by 1, 2`);
      if (users.length > 0) {
        const names = users.map((u) => `${u.kind} "${u.id}"`).join(', ');
        throw conflict(`property "${key}" is used by ${names}`);
      }
      if (row.unique)
        await tx.execute(sql`drop index if exists ${sql.raw(`"${uniqueIndexName(key)}"`)}`);
      // Values of a deleted property would otherwise linger and block re-creating it.
      await tx.execute(
        sql`update profiles set properties = properties - ${key} where properties ? ${key}`,
      );
      await tx.delete(properties).where(eq(properties.key, key));
    });
    return c.body(null, 204);
  });

  return app;
}
