/**
 * A record's own entry, never an inherited one: property keys and remote fields are user text,
 * and `record["constructor"]` would otherwise find Object.prototype's member.
 */
export function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
