import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll } from 'vitest';
import '../../connectors/builtin';
import { createApp } from '../../api/app';
import { runConfig, type RunOptions } from '../../config';
import type { ConfigFile } from '../../config/sources';
import { loadConfig } from '../../lib/config';
import { temporalAddress, temporalNamespace } from '../helpers/env';
import { freshDb } from './fresh-db';

/** A fresh database, the API on it, and `run` to validate or apply config files against it. */
export async function configHarness() {
  const { db } = await freshDb();
  const connection = await Connection.connect({ address: temporalAddress() });
  afterAll(() => connection.close());
  const temporal = new Client({ connection, namespace: temporalNamespace() });
  const config = loadConfig({
    TEMPORAL_NAMESPACE: temporalNamespace(),
    TEMPORAL_TASK_QUEUE: `config-${randomUUID().slice(0, 8)}`,
  });
  const apiKey = 'config-test-api-key-0123';
  const app = createApp({ db, temporal, config, apiKey });
  async function call(method: string, path: string, body?: unknown) {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
  }
  const run = (files: ConfigFile[], options: RunOptions) =>
    runConfig({ db, config, temporal }, { files }, options);
  return { db, call, run };
}

/** `{ "kind/id": action }` of a report's plan, for compact assertions. */
export function actions(report: { plan: { kind: string; id: string; action: string }[] }) {
  return Object.fromEntries(report.plan.map((e) => [`${e.kind}/${e.id}`, e.action]));
}
