export { startFakeHubspot, type FakeHubspot, type FakeHubspotOptions } from './server';
export type { Contact, List } from './state';
