import postgres from 'postgres';
import { RemoteRefusedError, RemoteUnavailableError } from '../types';
import { passwordOf, redact } from './pool';

/** Socket and driver codes of a database that could not be reached, in words. */
const unreachable: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name could not be resolved',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  CONNECT_TIMEOUT: 'connection timed out',
  CONNECTION_CLOSED: 'connection closed',
  CONNECTION_DESTROYED: 'connection closed',
};

/**
 * SQLSTATEs of a server that is there but not accepting connections now: too many
 * connections, shutting down, starting up.
 */
const busy = new Set(['53300', '57P01', '57P02', '57P03']);

/**
 * SQLSTATEs of a server that refuses what the app's options ask of it: bad credentials
 * (class 28), a database (3D000) or schema (3F000) that does not exist.
 */
function isRefusal(code: string): boolean {
  return code.startsWith('28') || code === '3D000' || code === '3F000';
}

/**
 * Names the target by database, host and port only: the connection string holds the
 * password, so it is never quoted.
 */
export function targetName(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const host = url.hostname || url.searchParams.get('host') || 'localhost';
    const database = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username);
    return `Postgres database "${database}" on ${host}:${url.port || '5432'}`;
  } catch {
    return 'the Postgres database';
  }
}

/** The reason in words when an error says the target could not be reached, else undefined. */
function unreachableReason(error: unknown): string | undefined {
  if (error instanceof postgres.PostgresError) {
    return error.code.startsWith('08') || busy.has(error.code) ? error.message : undefined;
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? unreachable[code] : undefined;
}

/**
 * Whether the target database could not be reached or used at all (as opposed to refusing a
 * statement or the data): unreachable, busy, a refused login, a missing database or schema.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof postgres.PostgresError && isRefusal(error.code)) return true;
  return unreachableReason(error) !== undefined;
}

/**
 * The error to raise for a failed call: unreachable or busy → `RemoteUnavailableError` (retry
 * later); refused login, missing database or schema → `RemoteRefusedError` (fix the app's
 * options); any other error as it is, since it is about the statement or the data.
 */
export function asConnectionFailure(error: unknown, connectionString: string): unknown {
  const target = targetName(connectionString);
  const secret = passwordOf(connectionString);
  if (error instanceof postgres.PostgresError && isRefusal(error.code)) {
    return new RemoteRefusedError(`${target} refused: ${redact(error.message, secret)}`);
  }
  const reason = unreachableReason(error);
  if (reason === undefined) return error;
  return new RemoteUnavailableError(`could not reach ${target}: ${redact(reason, secret)}`);
}
