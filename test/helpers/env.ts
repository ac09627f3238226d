import { existsSync } from 'node:fs';

/**
 * What `test/global-setup.ts` hands every test file, through environment variables that the
 * forked test workers inherit.
 */

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through vitest's global setup`);
  return value;
}

/** The migrated test database. */
export function databaseUrl(): string {
  return required('DATABASE_URL');
}

/** host:port of the Temporal server; its namespace has Outflow's search attributes. */
export function temporalAddress(): string {
  return required('TEMPORAL_ADDRESS');
}

export function temporalNamespace(): string {
  return process.env.TEMPORAL_NAMESPACE || 'default';
}

/** Path of the workflow code bundled once for the run: `Worker.create({ workflowBundle })`. */
export function workflowBundlePath(): string {
  const file = required('OUTFLOW_WORKFLOW_BUNDLE');
  if (!existsSync(file)) throw new Error(`the workflow bundle ${file} does not exist`);
  return file;
}

/** The bundle as `Worker.create` takes it. */
export function workflowBundle(): { codePath: string } {
  return { codePath: workflowBundlePath() };
}
