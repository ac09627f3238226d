import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { logger } from '../lib/logger';
import {
  destinationIdSearchAttribute,
  destinationTypeSearchAttribute,
} from '../lib/search-attributes';
import {
  destinationDeletedSignal,
  destinationWorkflowId,
  destinationWorkflowType,
  outboxChangedSignal,
  profilesChangedSignal,
  updateSettingsUpdate,
  type ControlState,
  type DestinationWorkflowInput,
  type LiveSettings,
} from '../workflows/definitions';

/**
 * Wake-ups sent to destination workflows after a commit. Each uses signalWithStart, so a
 * missing workflow is started. They never throw: the outbox already holds the change, and the
 * workflow's catch-up finds it even if the signal is lost.
 */

export interface DestinationRef {
  id: string;
  name: string;
  /** the connector type, e.g. `postgres` */
  type: string;
}

/** Profile ids per signal, keeping each payload far below Temporal's 2 MB limit. */
const signalChunkSize = 1000;

function startOptions(destination: DestinationRef, taskQueue: string) {
  const args: [DestinationWorkflowInput] = [{ destinationId: destination.id }];
  return {
    workflowId: destinationWorkflowId(destination.id),
    taskQueue,
    args,
    typedSearchAttributes: [
      { key: destinationIdSearchAttribute, value: destination.id },
      { key: destinationTypeSearchAttribute, value: destination.type },
    ],
    staticSummary: `Exports profiles to ${destination.name} (${destination.type})`,
  };
}

async function safely(what: string, destinationId: string, fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (error) {
    const err = error as Error;
    logger.warn({ destinationId, err: { name: err.name, message: err.message } }, what);
  }
}

/** Starts (or wakes) a destination's workflow and tells it to read its outbox. */
export async function startDestinationWorkflow(
  client: Client,
  taskQueue: string,
  destination: DestinationRef,
): Promise<void> {
  await safely('could not start destination workflow', destination.id, () =>
    client.workflow.signalWithStart(destinationWorkflowType, {
      ...startOptions(destination, taskQueue),
      signal: outboxChangedSignal,
      signalArgs: [],
    }),
  );
}

/** Tells every given destination which profiles changed, in chunks. */
export async function notifyProfilesChanged(
  client: Client,
  taskQueue: string,
  destinations: DestinationRef[],
  profileIds: string[],
): Promise<void> {
  if (profileIds.length === 0) return;
  await Promise.all(
    destinations.map(async (destination) => {
      for (let i = 0; i < profileIds.length; i += signalChunkSize) {
        const chunk = profileIds.slice(i, i + signalChunkSize);
        await safely('could not signal profile changes', destination.id, () =>
          client.workflow.signalWithStart(destinationWorkflowType, {
            ...startOptions(destination, taskQueue),
            signal: profilesChangedSignal,
            signalArgs: [{ profileIds: chunk }],
          }),
        );
      }
    }),
  );
}

/** Tells a deleted destination's workflow to finish what is in flight and end. */
export async function notifyDestinationDeleted(client: Client, destinationId: string) {
  await safely('could not signal destination deletion', destinationId, () =>
    client.workflow
      .getHandle(destinationWorkflowId(destinationId))
      .signal(destinationDeletedSignal),
  );
}

/**
 * Sends an update to a destination's workflow, starting it first if it is not running, and
 * returns its answer. Throws: the caller decides whether the command failed.
 */
export async function updateDestinationWorkflow<Ret, Args extends unknown[]>(
  client: Client,
  taskQueue: string,
  destination: DestinationRef,
  update: UpdateDefinition<Ret, Args>,
  ...args: Args
): Promise<Ret> {
  const startWorkflowOperation = new WithStartWorkflowOperation(destinationWorkflowType, {
    ...startOptions(destination, taskQueue),
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  // Without a worker an update is never accepted, and the request would hang with it.
  return client.withDeadline(Date.now() + updateTimeoutMs(update.name), () =>
    client.workflow.executeUpdateWithStart(update, { args, startWorkflowOperation }),
  );
}

/**
 * How long an API request waits for a workflow's answer. A pause answers once the batches in
 * flight ended (the workflow waits 30 s at most); settings only need to be taken.
 */
function updateTimeoutMs(updateName: string): number {
  return updateName === updateSettingsUpdate.name ? 5_000 : 45_000;
}

/**
 * Hands changed settings to the running workflow. Never throws: they are stored, and the
 * workflow reads them from the destination row on its next catch-up anyway.
 */
export async function sendSettings(
  client: Client,
  taskQueue: string,
  destination: DestinationRef,
  settings: LiveSettings,
): Promise<ControlState | null> {
  let state: ControlState | null = null;
  await safely('could not update destination settings', destination.id, async () => {
    state = await updateDestinationWorkflow(
      client,
      taskQueue,
      destination,
      updateSettingsUpdate,
      settings,
    );
  });
  return state;
}
