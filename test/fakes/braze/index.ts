export { startFakeBraze, type FakeBraze } from './server';
export type { User } from './state';
