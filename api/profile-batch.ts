import { own } from '../lib/own';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { UniqueValueError, type ProfileInput } from '../db/profiles';
import { quote } from '../lib/normalize';
import { ApiError, badRequest, type Issue } from './errors';

/**
 * The parts of `POST /profiles/batch` that speak about entries: which entry holds a duplicate
 * unique value, and how many entries repeated an id. Entries are named by their index.
 */

/** A batch entry after normalisation, with its index in the request. */
export interface BatchEntry extends ProfileInput {
  index: number;
}

/** The entries that are written: the last one of each id, as the response says. */
export function winningEntries(entries: BatchEntry[]): BatchEntry[] {
  return [...new Map(entries.map((e) => [e.id, e])).values()].sort((a, b) => a.index - b.index);
}

const at = (e: BatchEntry, key: string) => `profiles[${e.index}].properties.${key}`;

async function uniqueKeys(tx: Pick<Db, 'execute'>): Promise<string[]> {
  const rows = await tx.execute<{ key: string }>(sql`select key from properties where "unique"`);
  return rows.map((r) => r.key);
}

/** Refuses two profiles of one batch with the same unique value, naming the later entry. */
export async function refuseDuplicateValues(
  tx: Pick<Db, 'execute'>,
  entries: BatchEntry[],
): Promise<void> {
  const issues: Issue[] = [];
  for (const key of await uniqueKeys(tx)) {
    const seen = new Map<string, BatchEntry>();
    for (const e of entries) {
      const value = own(e.properties, key);
      if (value === undefined || value === null) continue;
      const first = seen.get(String(value));
      if (!first) seen.set(String(value), e);
      else
        issues.push({
          path: at(e, key),
          message: `${quote(value)} is also the value of profiles[${first.index}] (${key} is unique)`,
        });
    }
  }
  if (issues.length > 0) throw badRequest(issues.slice(0, 100));
}

/** A clash with a stored profile, as a 409 naming the entry that carries the value. */
export function namedUniqueError(error: unknown, entries: BatchEntry[]): unknown {
  if (!(error instanceof UniqueValueError)) return error;
  const entry = entries.find((e) => String(e.properties[error.property]) === error.value);
  if (!entry) return error;
  const path = at(entry, error.property);
  return new ApiError(409, `${path}: ${error.message}`, [{ path, message: error.message }], {
    cause: error,
  });
}

/** The response's account of the entries sent. */
export function batchSummary(sent: number, written: number, changed: number) {
  const repeated = sent - written;
  return {
    received: sent,
    changed,
    unchanged: written - changed,
    ...(repeated > 0
      ? {
          repeatedIds: repeated,
          note: `${repeated} entr${repeated === 1 ? 'y' : 'ies'} repeated an id sent earlier in the batch; the last entry of each id wins`,
        }
      : {}),
  };
}
