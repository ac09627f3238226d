import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { exports } from '../../db/schema';
import { exportStates } from '../../lib/domain';
import { notFound } from '../errors';
import { idSchema, responses } from '../openapi';
import { createRouter, type ApiDeps } from '../router';

const listQuery = z.object({
  destinationId: idSchema.optional(),
  profileId: idSchema.optional(),
  state: z.enum(exportStates).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** an export id: returns older exports only */
  before: z.coerce.number().int().positive().optional(),
});
const exportParams = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: 'id', in: 'path' } }),
});

type ExportRow = typeof exports.$inferSelect;
// A pending export that waits for a retry says until when; otherwise the send time is noise.
const view = ({ force: _force, sendAt, ...e }: ExportRow) => ({
  ...e,
  retryAt: e.state === 'pending' && sendAt ? sendAt : null,
});

const tags = ['exports'];
const routes = {
  list: createRoute({
    method: 'get',
    path: '/',
    tags,
    request: { query: listQuery },
    responses: responses(200, 'Exports, newest first.'),
  }),
  get: createRoute({
    method: 'get',
    path: '/{id}',
    tags,
    request: { params: exportParams },
    responses: responses(200, 'One export.'),
  }),
};

/** The record of what was (or will be) sent for each profile to each destination. */
export function exportsRoutes({ db }: ApiDeps) {
  const app = createRouter();

  app.openapi(routes.list, async (c) => {
    const q = c.req.valid('query');
    const where: (SQL | undefined)[] = [
      q.destinationId ? eq(exports.destinationId, q.destinationId) : undefined,
      q.profileId ? eq(exports.profileId, q.profileId) : undefined,
      q.state ? eq(exports.state, q.state) : undefined,
      q.before ? lt(exports.id, q.before) : undefined,
    ];
    const rows = await db
      .select()
      .from(exports)
      .where(and(...where))
      .orderBy(desc(exports.id))
      .limit(q.limit);
    const next = rows.length === q.limit ? rows[rows.length - 1]!.id : null;
    return c.json({ exports: rows.map(view), next }, 200);
  });

  app.openapi(routes.get, async (c) => {
    const { id } = c.req.valid('param');
    const [row] = await db.select().from(exports).where(eq(exports.id, id));
    if (!row) throw notFound('export', String(id));
    return c.json(view(row), 200);
  });

  return app;
}
