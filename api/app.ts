import { OpenAPIHono } from '@hono/zod-openapi';
import { bearerAuth } from 'hono/bearer-auth';
import { limitBody, storableText } from './body-guard';
import { docsPage } from './docs-page';
import { handleError } from './errors';
import { createRouter, type ApiDeps } from './router';
import { appsRoutes } from './routes/apps';
import { configRoutes } from './routes/config';
import { connectorsRoutes } from './routes/connectors';
import { destinationControlRoutes } from './routes/destination-control';
import { destinationsRoutes } from './routes/destinations';
import { exportsRoutes } from './routes/exports';
import { groupsRoutes } from './routes/groups';
import { previewRoutes } from './routes/preview';
import { profilesRoutes } from './routes/profiles';
import { propertiesRoutes } from './routes/properties';
import { destinationRunsRoutes, runsRoutes } from './routes/runs';

export type { ApiDeps } from './router';

/** Paths anyone may read: liveness, the OpenAPI document and its docs page. */
const publicPaths = new Set(['/health', '/openapi.json', '/docs']);
const isPublic = (path: string) => publicPaths.has(path) || path.startsWith('/docs/assets/');

/** Builds the HTTP API. Every route but the public ones needs `Authorization: Bearer <apiKey>`. */
export function createApp(deps: ApiDeps): OpenAPIHono {
  const app = createRouter();
  const auth = bearerAuth({ token: deps.apiKey });

  app.onError(handleError);
  app.notFound((c) =>
    c.json({ error: { message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.use('*', (c, next) => (isPublic(c.req.path) ? next() : auth(c, next)));
  app.use('*', limitBody, storableText);

  app.get('/health', (c) => c.json({ ok: true }));
  app.route('/properties', propertiesRoutes(deps));
  app.route('/groups', groupsRoutes(deps));
  app.route('/profiles', profilesRoutes(deps));
  app.route('/apps', appsRoutes(deps));
  app.route('/destinations', destinationsRoutes(deps));
  app.route('/destinations', previewRoutes(deps));
  app.route('/destinations', destinationRunsRoutes(deps));
  app.route('/destinations', destinationControlRoutes(deps));
  app.route('/runs', runsRoutes(deps));
  app.route('/exports', exportsRoutes(deps));
  app.route('/connectors', connectorsRoutes(deps));
  app.route('/config', configRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Outflow API', version: '0.1.0' },
    security: [{ bearer: [] }],
  });
  app.route('/docs', docsPage());
  return app;
}
