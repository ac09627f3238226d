export { startFakeMailchimp, type FakeMailchimp } from './server';
export { subscriberHash } from './problems';
export type { List, Member } from './state';
