import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { Config } from '../lib/config';
import { validationHook } from './validation';

/** What the API needs from the outside world; handed in so tests can pass their own. */
export interface ApiDeps {
  db: Db;
  temporal: Client;
  config: Config;
  apiKey: string;
}

/** A resource's sub-app, sharing the validation hook that shapes 400 responses. */
export function createRouter(): OpenAPIHono {
  return new OpenAPIHono({
    defaultHook: (result, c) => validationHook(result as Parameters<typeof validationHook>[0], c),
  });
}
