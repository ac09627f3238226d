import { serve } from '@hono/node-server';
import { logger } from '../lib/logger';
import { createApp, type ApiDeps } from './app';

/** Serves the API on `config.PORT` until `close()` is called. */
export async function startApi(deps: ApiDeps): Promise<{ url: string; close(): Promise<void> }> {
  const app = createApp(deps);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: deps.config.PORT }, () => resolve(s));
    s.once('error', reject);
  });
  const url = `http://localhost:${deps.config.PORT}`;
  logger.info({ url }, 'api listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
