import { own } from '../lib/own';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Hono } from 'hono';

/**
 * The `/docs` page: Swagger UI served from the `swagger-ui-dist` package under
 * `/docs/assets/`, so the page works offline and loads nothing from a CDN.
 */

const distDir = path.dirname(
  createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
);

/** The only files served, with their content types: the page needs no others. */
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

// A file rather than an inline script, so a strict Content-Security-Policy can allow it.
const initializer = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  persistAuthorization: true,
});
`;

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Outflow API</title>
    <link rel="icon" href="/docs/assets/favicon-32x32.png" />
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/assets/init.js"></script>
  </body>
</html>
`;

const cache = new Map<string, Uint8Array<ArrayBuffer>>();

async function asset(name: string): Promise<Uint8Array<ArrayBuffer>> {
  let body = cache.get(name);
  if (!body) {
    body = new Uint8Array(await readFile(path.join(distDir, name)));
    cache.set(name, body);
  }
  return body;
}

/** Mounted at `/docs`; public like the OpenAPI document it shows. */
export function docsPage(): Hono {
  const app = new Hono();
  app.get('/', (c) => c.html(page));
  app.get('/assets/init.js', (c) =>
    c.body(initializer, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    const type = own(assets, name);
    if (!type) return c.json({ error: { message: `no asset ${name}` } }, 404);
    return c.body(await asset(name), 200, {
      'content-type': type,
      'cache-control': 'public, max-age=86400',
    });
  });
  return app;
}
