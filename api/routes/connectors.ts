import { createRoute } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import { listConnectors } from '../../connectors';
import { responses } from '../openapi';
import { createRouter, type ApiDeps } from '../router';

/** Field names of an object schema; empty when the schema is not a plain object. */
function fieldNames(schema: ZodType): string[] {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  return shape && typeof shape === 'object' ? Object.keys(shape) : [];
}

const list = createRoute({
  method: 'get',
  path: '/',
  tags: ['connectors'],
  responses: responses(200, 'The registered destination types.'),
});

/** The destination types this server can export to. */
export function connectorsRoutes(_deps: ApiDeps) {
  const app = createRouter();
  app.openapi(list, (c) =>
    c.json(
      {
        connectors: listConnectors().map((k) => ({
          type: k.type,
          displayName: k.displayName,
          syncModes: k.syncModes,
          groupLabel: k.groupLabel,
          appOptions: fieldNames(k.app.options),
          secretOptions: k.app.secretOptions,
          destinationOptions: fieldNames(k.destinationOptions),
        })),
      },
      200,
    ),
  );
  return app;
}
