import type { Connector, ConnectorContext, ExportOutcome } from '../connectors/types';
import type { PreparedChange } from './prepare';

/**
 * Hands a chunk to the connector: changes waiting for a remote job are checked (one call per
 * job), the others are sent. Throws like `exportBatch` when the whole chunk failed.
 */
export async function sendOrCheck(
  connector: Connector,
  ctx: ConnectorContext<unknown, unknown>,
  chunk: PreparedChange[],
): Promise<ExportOutcome[]> {
  const byJob = new Map<string, PreparedChange[]>();
  const toSend: PreparedChange[] = [];
  for (const change of chunk) {
    if (change.remoteJobId === null) toSend.push(change);
    else byJob.set(change.remoteJobId, [...(byJob.get(change.remoteJobId) ?? []), change]);
  }
  const outcomes: ExportOutcome[] = [];
  for (const [jobId, changes] of byJob) {
    if (!connector.checkJob) {
      // Only a connector that reported a job can be asked about it; a swapped connector cannot.
      const message = `the ${connector.type} connector cannot check remote job ${jobId}`;
      outcomes.push(...changes.map((c) => failed(c.profileId, message)));
      continue;
    }
    outcomes.push(...(await connector.checkJob(ctx, jobId, changes)));
  }
  if (toSend.length > 0) outcomes.push(...(await connector.exportBatch(ctx, toSend)));
  return outcomes;
}

const failed = (profileId: string, message: string): ExportOutcome => ({
  profileId,
  status: 'failed',
  message,
  level: 'error',
});
