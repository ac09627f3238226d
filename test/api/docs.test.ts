import { describe, expect, it } from 'vitest';
import { testApi } from './harness';

describe('API docs page', async () => {
  const { call, app } = await testApi();

  it('serves Swagger UI from Outflow itself, with no CDN and no key', async () => {
    const page = await app.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toContain('/docs/assets/swagger-ui-bundle.js');
    for (const asset of assets) {
      const res = await app.request(asset);
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
    expect((await call('GET', '/openapi.json', undefined, { auth: false })).status).toBe(200);
  });

  it('serves only the files the page needs', async () => {
    expect((await app.request('/docs/assets/package.json')).status).toBe(404);
    expect((await app.request('/docs/assets/..%2F..%2Fpackage.json')).status).toBe(404);
  });
});
