import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import {
  destinationIdSearchAttribute,
  destinationTypeSearchAttribute,
  outflowSearchAttributes,
  runKindSearchAttribute,
} from '../../lib/search-attributes';
import {
  ensureTemporalCli,
  raiseRetention,
  registerSearchAttributes,
  temporalCliVersion,
} from '../../scripts/temporal';
import { temporalAddress, temporalNamespace } from '../helpers/env';

const namespace = temporalNamespace();
let connection: Connection;

beforeAll(async () => {
  connection = await Connection.connect({ address: temporalAddress() });
});
afterAll(async () => {
  await connection?.close();
});

async function retentionDays() {
  const { config } = await connection.workflowService.describeNamespace({ namespace });
  return tsToMs(config?.workflowExecutionRetentionTtl) / 86_400_000;
}

describe('Temporal start-up', () => {
  it('registers the search attributes once, however often it runs', async () => {
    await registerSearchAttributes(connection, namespace);
    await registerSearchAttributes(connection, namespace);
    const { customAttributes } = await connection.operatorService.listSearchAttributes({
      namespace,
    });
    const names = Object.keys(customAttributes);
    for (const key of outflowSearchAttributes) {
      expect(names.filter((name) => name === key.name)).toHaveLength(1);
    }
  });

  it('raises the retention of closed runs and never lowers it', async () => {
    await raiseRetention(connection, namespace, 30);
    expect(await retentionDays()).toBeGreaterThanOrEqual(30);
    await raiseRetention(connection, namespace, 1);
    expect(await retentionDays()).toBeGreaterThanOrEqual(30);
  });

  it('lets a workflow start with the search attributes set', async () => {
    const client = new Client({ connection, namespace });
    const handle = await client.workflow.start('noSuchWorkflow', {
      taskQueue: `search-attributes-${randomUUID()}`,
      workflowId: `search-attributes-${randomUUID()}`,
      typedSearchAttributes: new TypedSearchAttributes([
        { key: destinationIdSearchAttribute, value: 'dest_1' },
        { key: destinationTypeSearchAttribute, value: 'webhook' },
        { key: runKindSearchAttribute, value: 'sync' },
      ]),
    });
    try {
      const { typedSearchAttributes } = await handle.describe();
      expect(typedSearchAttributes.get(destinationIdSearchAttribute)).toBe('dest_1');
      expect(typedSearchAttributes.get(runKindSearchAttribute)).toBe('sync');
    } finally {
      await handle.terminate('test done');
    }
  });
});

describe('ensureTemporalCli', () => {
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(path.join(os.tmpdir(), 'outflow-cli-'));
  });
  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('uses TEMPORAL_CLI when it names a file, and refuses one that is missing', async () => {
    const cli = path.join(cacheDir, 'my-temporal');
    await writeFile(cli, '');
    expect(await ensureTemporalCli(loadConfig({ TEMPORAL_CLI: cli }))).toBe(cli);
    await expect(
      ensureTemporalCli(loadConfig({ TEMPORAL_CLI: path.join(cacheDir, 'missing') })),
    ).rejects.toThrow(/TEMPORAL_CLI/);
  });

  it('reuses the binary cached for the pinned version without building', async () => {
    const binary = path.join(cacheDir, `temporal-${temporalCliVersion}`, 'temporal');
    await mkdir(path.dirname(binary), { recursive: true });
    await writeFile(binary, '');
    expect(await ensureTemporalCli(loadConfig({ OUTFLOW_CACHE_DIR: cacheDir }))).toBe(binary);
  });
});
