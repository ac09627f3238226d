import { afterAll } from 'vitest';
import { createDb } from '../../db/client';
import { databaseUrl } from './env';

let shared: ReturnType<typeof createDb> | undefined;

/** The test file's one pool on the test database; closed after the file's last test. */
export function testDb(): ReturnType<typeof createDb> {
  shared ??= createDb(databaseUrl(), { max: 5 });
  return shared;
}

// Registered when a test file imports this module, so it runs after that file's tests.
afterAll(async () => {
  await shared?.close();
  shared = undefined;
});
