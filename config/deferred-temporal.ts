import type { Client } from '@temporalio/client';

/**
 * A stand-in for the Temporal client handed to the API while a config is applied inside one
 * database transaction. It records the wake-ups the API would send; they are sent for real
 * only after the transaction commits (and dropped for a dry run or a rolled-back object),
 * so no workflow reads an outbox that is not committed yet.
 */
export interface DeferredTemporal {
  client: Client;
  /** the calls recorded so far */
  calls: ((real: Client) => Promise<unknown>)[];
}

export function deferredTemporal(): DeferredTemporal {
  const calls: DeferredTemporal['calls'] = [];
  const client = {
    workflow: {
      signalWithStart: async (...args: Parameters<Client['workflow']['signalWithStart']>) => {
        calls.push((real) => real.workflow.signalWithStart(...args));
      },
      getHandle: (...handleArgs: Parameters<Client['workflow']['getHandle']>) => ({
        signal: async (...signalArgs: unknown[]) => {
          calls.push((real) =>
            (real.workflow.getHandle(...handleArgs).signal as (...a: unknown[]) => Promise<void>)(
              ...signalArgs,
            ),
          );
        },
      }),
    },
  };
  return { client: client as unknown as Client, calls };
}
