import path from 'node:path';
import { z } from 'zod';

/**
 * The only reader of `process.env`. Parsed once at start-up; a bad value stops the process
 * with a message naming the variable.
 */
const envSchema = z.object({
  // Postgres connection string; when absent an embedded Postgres is started in the data dir.
  DATABASE_URL: z.string().url().optional(),
  // Folder for embedded Postgres, the Temporal dev server's SQLite file and the API key.
  OUTFLOW_DATA_DIR: z.string().default(path.resolve('.data')),
  // Port of the embedded Postgres (ignored with DATABASE_URL).
  OUTFLOW_PG_PORT: z.coerce.number().int().positive().default(5488),
  // host:port of an existing Temporal frontend; when absent the dev server is started.
  TEMPORAL_ADDRESS: z.string().optional(),
  // Path of a Temporal CLI binary to run instead of the one built into the cache.
  TEMPORAL_CLI: z.string().optional(),
  // Where `go install` puts the pinned Temporal CLI; outside the checkout so clones share it.
  OUTFLOW_CACHE_DIR: z
    .string()
    .default(
      path.join(
        process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? '/tmp', '.cache'),
        'outflow',
      ),
    ),
  // Chromium for the operator's guide screenshots (scripts/guide-screenshots.ts).
  OUTFLOW_CHROMIUM: z.string().default('/usr/bin/chromium'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  // gRPC port of the dev server we start.
  TEMPORAL_PORT: z.coerce.number().int().positive().default(7233),
  // Web UI port of the dev server we start.
  TEMPORAL_UI_PORT: z.coerce.number().int().positive().default(8233),
  TEMPORAL_TASK_QUEUE: z.string().default('outflow'),
  // HTTP port of the API.
  PORT: z.coerce.number().int().positive().default(3000),
  // Bearer token required by the API; generated into the data dir by `npm start` when absent.
  OUTFLOW_API_KEY: z.string().min(16).optional(),
  // Export rows older than this many days are deleted daily (never a profile's baseline).
  OUTFLOW_EXPORT_RETENTION_DAYS: z.coerce.number().int().positive().default(90),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof envSchema>;

/** Parses the environment; throws an Error naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment: ${problems.join('; ')}`);
  }
  return parsed.data;
}
