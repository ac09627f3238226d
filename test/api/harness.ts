import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll } from 'vitest';
import { createApp } from '../../api/app';
import { loadConfig } from '../../lib/config';
import { testDb } from '../helpers/db';
import { temporalAddress, temporalNamespace } from '../helpers/env';

/**
 * The API in-process, on the test database and the test Temporal server. Requests carry the
 * bearer token unless `auth: false`.
 */

export const apiKey = 'test-api-key-0123456789';

let connection: Connection | undefined;

export async function testApi() {
  const { db } = testDb();
  connection ??= await Connection.connect({ address: temporalAddress() });
  const temporal = new Client({ connection, namespace: temporalNamespace() });
  const config = loadConfig({
    TEMPORAL_NAMESPACE: temporalNamespace(),
    TEMPORAL_TASK_QUEUE: `api-${uid('q')}`,
  });
  const app = createApp({ db, temporal, config, apiKey });

  async function call(method: string, path: string, body?: unknown, opts: { auth?: boolean } = {}) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.auth !== false) headers.authorization = `Bearer ${apiKey}`;
    const res = await app.request(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const json: any = text ? JSON.parse(text) : null;
    return { status: res.status, body: json };
  }
  return { app, db, temporal, call };
}

afterAll(async () => {
  await connection?.close();
  connection = undefined;
});

/** A unique id or property key (letters, digits and `_`). */
export function uid(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
}
