/**
 * Whether two JSON values are equal regardless of object key order. Values read back from
 * jsonb come with Postgres's key order, not the client's, so `JSON.stringify` comparisons
 * would see a change where there is none (and re-sync every profile).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a ?? null) === canonical(b ?? null);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}
