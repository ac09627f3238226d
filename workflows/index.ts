/** The workflow functions a worker registers. Workflow code only: nothing with I/O. */
export { destinationWorkflow } from './destination';
export { groupRecomputeWorkflow } from './groups';
export { syncRunWorkflow } from './sync-run';
export { sweepExportsWorkflow } from './retention';
