import postgres from 'postgres';

/**
 * One small pool per target database, shared by every destination of the app. Keyed by the
 * connection string because connector calls receive options, not app instances.
 */
const pools = new Map<string, postgres.Sql>();

/** Connections per pool: enough for the connector's `maxConcurrency` batches. */
const poolSize = 4;

export function targetPool(connectionString: string): postgres.Sql {
  let pool = pools.get(connectionString);
  if (!pool) {
    pool = postgres(connectionString, {
      max: poolSize,
      idle_timeout: 60,
      connect_timeout: 10,
      // `create table if not exists` raises notices; postgres.js would print them.
      onnotice: () => {},
    });
    pools.set(connectionString, pool);
  }
  return pool;
}

/** Closes every target pool (process shutdown, end of tests). */
export async function closePostgresPools(): Promise<void> {
  const open = [...pools.values()];
  pools.clear();
  await Promise.all(open.map((pool) => pool.end({ timeout: 5 })));
}

/**
 * SQLSTATE classes worth retrying the whole batch for: connection problems (08), transaction
 * rollbacks such as serialization failures and deadlocks (40), insufficient resources (53),
 * operator intervention such as `57P01` admin shutdown (57), system errors (58), and a lock
 * that was not available (55P03).
 */
const transientClasses = new Set(['08', '40', '53', '57', '58']);

/**
 * True when an error says nothing about the data: the batch should be retried as a whole.
 * Errors without a SQLSTATE (sockets, timeouts) are transient too.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof postgres.PostgresError)) return true;
  return transientClasses.has(error.code.slice(0, 2)) || error.code === '55P03';
}

/** Removes a secret from a message, in case a driver error quotes it. */
export function redact(message: string, secret: string | undefined): string {
  return secret ? message.split(secret).join('***') : message;
}

/** The password of a connection string, to keep it out of messages. */
export function passwordOf(connectionString: string): string | undefined {
  try {
    const encoded = new URL(connectionString).password;
    return encoded ? decodeURIComponent(encoded) : undefined;
  } catch {
    return undefined;
  }
}
