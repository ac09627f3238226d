export { startFakeSendgrid, type FakeSendgrid, type FakeSendgridOptions } from './server';
export type { Contact } from './state';
