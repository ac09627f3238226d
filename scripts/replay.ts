import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, ReplayError, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Command } from 'commander';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { localTemporalAddress } from './local-database';

/**
 * `npm run replay -- <workflowId> [--run-id R]`: downloads a workflow's history from the
 * configured Temporal and replays it against the workflow code in this checkout. Run it before
 * deploying a workflow change: a determinism violation means running workflows would break.
 */

/** The workflow code to replay against: a source path (bundled here) or a prebuilt bundle. */
export type WorkflowCode = { workflowsPath: string } | { workflowBundle: { codePath: string } };

export const currentWorkflowCode: WorkflowCode = {
  workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
};

/**
 * Replays one history (a `History` or its JSON form). Resolves when the code makes the same
 * decisions the history records; rejects with `DeterminismViolationError` when it does not.
 */
export async function replayHistory(
  history: unknown,
  workflowId: string,
  code: WorkflowCode = currentWorkflowCode,
): Promise<void> {
  await Worker.runReplayHistory({ ...code, replayName: 'outflow-replay' }, history, workflowId);
}

/** One line a person can act on, for a failed replay. */
export function describeReplayFailure(workflowId: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof DeterminismViolationError) {
    return (
      `workflow ${workflowId} is NOT deterministic against the current code: ${message}. ` +
      'Running executions would fail; put the change behind patched() (docs/architecture.md).'
    );
  }
  if (error instanceof ReplayError) return `replay of workflow ${workflowId} failed: ${message}`;
  return `could not replay workflow ${workflowId}: ${message}`;
}

async function main(): Promise<void> {
  const program = new Command('replay')
    .argument('<workflowId>', 'e.g. destination:<destinationId>')
    .option('--run-id <runId>', 'a specific run; default the latest')
    .parse();
  const [workflowId] = program.args as [string];
  const { runId } = program.opts<{ runId?: string }>();
  const config = loadConfig();
  // The bundler's and the replay worker's info logs would bury the one line that matters.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const address = localTemporalAddress(config);

  const connection = await Connection.connect({ address });
  let history;
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `could not download the history of ${workflowId} from ${address}: ${reason}\n`,
    );
    process.exit(1);
  } finally {
    await connection.close();
  }
  const events = history.events?.length ?? 0;
  try {
    await replayHistory(history, workflowId);
  } catch (error) {
    process.stderr.write(`${describeReplayFailure(workflowId, error)}\n`);
    process.exit(1);
  }
  process.stdout.write(`workflow ${workflowId}: ${events} events replayed cleanly\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    const error = err as Error;
    logger.error({ err: { name: error.name, message: error.message } }, 'replay failed');
    process.exit(1);
  });
}
