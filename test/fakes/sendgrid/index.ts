export { startFakeSendgrid, type FakeSendgrid } from './server';
export type { Contact } from './state';
