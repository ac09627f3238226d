import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { chromium, type Browser } from 'playwright-core';
import { loadConfig } from '../lib/config';
import { apiClient, createIfMissing, type ApiClient } from './api-client';
import { sleep, until } from './processes';

/**
 * `npm run guide-screenshots`, against a running `npm start`: walks docs/operators-guide.md on
 * this system — a webhook destination whose receiver refuses every delivery, its failed
 * exports, the fix and a retry — and takes the guide's screenshots of the Temporal Web UI with
 * headless Chromium (Debian's `chromium`; `OUTFLOW_CHROMIUM` for another). Prints the API
 * answers the guide quotes. Run it on a fresh system (`npm start` on an empty data folder):
 * it creates `crm_trial_users` and leaves it paused at the end.
 */

const config = loadConfig();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const images = path.join(root, 'docs', 'images');
const destinationId = 'crm_trial_users';
const refusal = { error: 'field plan must be one of free, pro' };
/** How long, and how often, to poll the running system: a minute, every half second. */
const patience = [60_000, 500] as const;

/** The receiver: refuses deliveries until told to accept them. */
async function startReceiver() {
  const state = { accept: false };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (state.accept) res.writeHead(200).end('{}');
      else res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(refusal));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { state, url: `http://127.0.0.1:${port}/crm`, close: () => server.close() };
}

function show(title: string, value: unknown) {
  process.stdout.write(`\n## ${title}\n${JSON.stringify(value, null, 2)}\n`);
}

interface ExportRow {
  id: number;
  state: string;
}

async function setUp(api: ApiClient, receiverUrl: string) {
  const existing = await api.request('GET', `/destinations/${destinationId}`).catch(() => null);
  if (existing) {
    throw new Error(
      `${destinationId} exists already: take the screenshots on a fresh system ` +
        '(stop npm start, delete .data, start it again)',
    );
  }
  await createIfMissing(api, '/groups', { id: 'crm_trial', name: 'CRM trial', kind: 'manual' });
  await api.request('POST', '/groups/crm_trial/members', {
    profileIds: ['user-1', 'user-2', 'user-3'],
  });
  const app = { name: 'CRM receiver', options: { url: receiverUrl, secret: 'guide-secret-0123' } };
  await createIfMissing(api, '/apps', { id: 'crm_hook', type: 'webhook', ...app });
  await api.request('PATCH', '/apps/crm_hook', app); // the receiver's port is new each run
  await api.request('POST', '/destinations', {
    id: destinationId,
    name: 'CRM trial users',
    appId: 'crm_hook',
    options: { identifierField: 'email' },
    collection: 'group',
    groupId: 'crm_trial',
    // The mistake the guide follows: `plan` fed from the language property.
    mapping: { email: 'email', first_name: 'first_name', plan: 'language' },
    groupMapping: { crm_trial: 'trial' },
    syncMode: 'sync',
  });
}

/** The event id of the first exportBatch of the run whose result counts failures. */
async function failedBatchEvent(client: Client, runId: string) {
  const history = await client.workflow
    .getHandle(`destination:${destinationId}`, runId)
    .fetchHistory();
  const events = history.events ?? [];
  const scheduled = events.filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'exportBatch',
  );
  for (const s of scheduled) {
    const done = events.find(
      (e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === Number(s.eventId),
    );
    const payload = done?.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
    if (!payload) continue;
    const result = JSON.parse(Buffer.from(payload).toString('utf8')) as { failed: number };
    if (result.failed > 0) return Number(s.eventId);
  }
  return undefined;
}

/**
 * Opens `url` in a page of its own (a running workflow's live view holds the browser's few
 * connections per host), waits for `ready`, optionally scrolls `scrollTo` into view, saves
 * `file`; on a timeout it saves what it saw instead, beside the error.
 */
async function shoot(
  browser: Browser,
  url: string,
  file: string,
  ready: string,
  scrollTo?: string,
) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.getByText(ready).filter({ visible: true }).first().waitFor({ timeout: 30_000 });
    await sleep(1500); // let the live view settle
    if (scrollTo) await page.getByText(scrollTo, { exact: true }).last().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(images, file) });
    process.stdout.write(`saved docs/images/${file}\n`);
  } catch (err) {
    const seen = path.join(os.tmpdir(), `guide-${file}`);
    await page.screenshot({ path: seen });
    const message = (err as Error).message.split('\n')[0];
    throw new Error(`${file}: ${message} (page at ${url}, seen: ${seen})`, { cause: err });
  } finally {
    await page.close();
  }
}

async function main() {
  const apiKey =
    config.OUTFLOW_API_KEY ??
    (await readFile(path.join(config.OUTFLOW_DATA_DIR, 'api-key'), 'utf8')).trim();
  const api = apiClient(`http://127.0.0.1:${config.PORT}`, apiKey);
  const ui = `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`;
  const ns = config.TEMPORAL_NAMESPACE;
  const connection = await Connection.connect({
    address: config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`,
  });
  const client = new Client({ connection, namespace: ns });
  const receiver = await startReceiver();
  const browser = await chromium.launch({
    executablePath: config.OUTFLOW_CHROMIUM,
    // Chromium's own network traffic would be refused on a closed network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  try {
    await setUp(api, receiver.url);
    const failed = await until(
      'three exports failed',
      async () => {
        const { exports } = await api.request<{ exports: ExportRow[] }>(
          'GET',
          `/exports?destinationId=${destinationId}&state=failed`,
        );
        return exports.length >= 3 ? exports : undefined;
      },
      ...patience,
    );
    const { runId } = await client.workflow.getHandle(`destination:${destinationId}`).describe();
    const scheduledId = await until(
      'the failed batch is in history',
      () => failedBatchEvent(client, runId),
      ...patience,
    );

    const workflow = `${ui}/namespaces/${ns}/workflows/${encodeURIComponent(`destination:${destinationId}`)}/${runId}`;
    const query = encodeURIComponent(`OutflowDestinationId="${destinationId}"`);
    await shoot(
      browser,
      `${ui}/namespaces/${ns}/workflows?query=${query}`,
      'workflows-filtered.png',
      `destination:${destinationId}`,
    );
    await shoot(browser, `${workflow}/user-metadata`, 'workflow-summary.png', 'Current Details');
    const batchUrl = `${workflow}/history/events/${scheduledId}`;
    await shoot(browser, batchUrl, 'export-batch-scheduled.png', 'exportBatch');
    // The same view further down: the activity's completion with its result.
    await shoot(browser, batchUrl, 'export-batch-result.png', 'exportBatch', 'Result');

    show('GET /exports?state=failed (first)', failed[0]);
    show(
      'GET /preview?profileId=user-2',
      await api.request('GET', `/destinations/${destinationId}/preview?profileId=user-2`),
    );
    show('GET /dry-run', await api.request('GET', `/destinations/${destinationId}/dry-run`));

    // The receiver's team accepts the values now: retry what failed, first as a preview.
    const retry = { from: new Date(Date.now() - 3600_000).toISOString(), mode: 'fresh' };
    const retryPath = `/destinations/${destinationId}/retry`;
    show(
      'POST /retry (preview)',
      await api.request('POST', retryPath, { ...retry, preview: true }),
    );
    receiver.state.accept = true;
    const queued = await api.request<{ runId: string }>('POST', retryPath, retry);
    show('POST /retry', queued);
    const run = await until(
      'the retry run is complete',
      async () => {
        const r = await api.request<{ state: string }>('GET', `/runs/${queued.runId}`);
        return r.state === 'complete' ? r : undefined;
      },
      ...patience,
    );
    show('GET /runs/{runId}', run);
    const runWorkflow = encodeURIComponent(`destination:${destinationId}:run:${queued.runId}`);
    await shoot(
      browser,
      `${ui}/namespaces/${ns}/workflows/${runWorkflow}`,
      'retry-run.png',
      'syncRunWorkflow',
    );
  } finally {
    await browser.close();
    // Its receiver ends with this script: later changes would only fail.
    await api.request('POST', `/destinations/${destinationId}/pause`).catch(() => undefined);
    receiver.close();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`guide-screenshots: ${(err as Error).message}\n`);
  process.exit(1);
});
