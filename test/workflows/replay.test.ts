import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeReplayFailure, replayHistory } from '../../scripts/replay';
import { workflowBundle } from '../helpers/env';

/**
 * Replays histories captured from real runs (`npm run capture-fixtures`) against the workflow
 * code of this checkout: a change that would break running workflows fails here, before deploy.
 */

const fixtures = path.resolve(fileURLToPath(import.meta.url), '../../fixtures');
const histories = readdirSync(path.join(fixtures, 'histories')).filter((f) => f.endsWith('.json'));
const load = (file: string): unknown =>
  JSON.parse(readFileSync(path.join(fixtures, 'histories', file), 'utf8'));

beforeAll(() => {
  // The replay worker's info logs would drown the test output.
  Runtime.install({ logger: new DefaultLogger('WARN') });
});

describe('workflow replay', () => {
  it('has captured histories to replay', () => {
    expect(histories).toEqual(
      expect.arrayContaining([
        'continued-as-new.json',
        'destination-deleted.json',
        'export-retried.json',
      ]),
    );
  });

  it.each(histories)('replays %s cleanly against the current workflow code', async (file) => {
    await expect(
      replayHistory(load(file), `fixture:${file}`, { workflowBundle: workflowBundle() }),
    ).resolves.toBeUndefined();
  });

  it('reports a determinism violation naming the workflow when the code changed', async () => {
    const altered = { workflowsPath: path.join(fixtures, 'altered-workflow.ts') };
    const replay = replayHistory(load('export-retried.json'), 'destination:retried', altered);

    const error = await replay.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);
    expect(describeReplayFailure('destination:retried', error)).toMatch(
      /^workflow destination:retried is NOT deterministic against the current code/,
    );
  });
});
