import { createRoute, z } from '@hono/zod-openapi';
import { envReferences, runConfig, type ConfigInput } from '../../config';
import { badRequest } from '../errors';
import { jsonBody, responses } from '../openapi';
import { createRouter, type ApiDeps } from '../router';

const input = {
  files: z
    .array(z.strictObject({ name: z.string().min(1), content: z.string() }))
    .max(1000)
    .optional(),
  objects: z.array(z.unknown()).max(10_000).optional(),
};
const validateBody = z.strictObject(input);
const applyBody = z.strictObject({
  ...input,
  prune: z.boolean().default(false),
  dryRun: z.boolean().default(false),
});

const tags = ['config'];
const description =
  'The plan: one entry per object (create, update, delete, unchanged, skip, keep or error). ' +
  '422 when anything is invalid; then nothing was changed.';
const routes = {
  validate: createRoute({
    method: 'post',
    path: '/validate',
    tags,
    request: { body: jsonBody(validateBody) },
    responses: { ...responses(200, description), 422: { description } },
  }),
  apply: createRoute({
    method: 'post',
    path: '/apply',
    tags,
    request: { body: jsonBody(applyBody) },
    responses: { ...responses(200, description), 422: { description } },
  }),
};

/** Configuration as code over HTTP: the same checks and writes as `npm run config`. */
export function configRoutes({ db, temporal, config }: ApiDeps) {
  const app = createRouter();
  // The server's environment is never read here: a reference is a 400 naming the field.
  const inputOf = (body: {
    files?: { name: string; content: string }[];
    objects?: unknown[];
  }): ConfigInput => {
    if (body.files && body.objects) {
      throw badRequest([{ path: 'objects', message: 'send files or objects, not both' }]);
    }
    const input = body.files ? { files: body.files } : { objects: body.objects ?? [] };
    const refs = envReferences(input);
    if (refs.length > 0) throw badRequest(refs.slice(0, 100));
    return input;
  };

  app.openapi(routes.validate, async (c) => {
    const body = c.req.valid('json');
    const report = await runConfig({ db, config }, inputOf(body), { mode: 'validate' });
    return c.json(report, report.ok ? 200 : 422);
  });

  app.openapi(routes.apply, async (c) => {
    const body = c.req.valid('json');
    const report = await runConfig({ db, config, temporal }, inputOf(body), {
      mode: 'apply',
      prune: body.prune,
      dryRun: body.dryRun,
    });
    return c.json(report, report.ok ? 200 : 422);
  });

  return app;
}
