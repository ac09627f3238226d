import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { ProfileProperties } from '../lib/domain';

/** Grouparoo's demo dataset, shipped in the repository so a fresh clone can run the demo. */
export const demoDataDir = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'demo',
  'grouparoo',
);

interface UserRow {
  id: string;
  first_name: string;
  last_name: string;
  email: string;
  language: string;
  deactivated: string;
}

interface PurchaseRow {
  user_id: string;
  category: string;
  price: string;
  state: string;
  created_at: string;
}

export interface DemoProfile {
  id: string;
  properties: ProfileProperties;
}

/** The demo's properties: Grouparoo's config ids as keys, its types. */
export const demoProperties = [
  { key: 'user_id', type: 'integer', unique: true },
  { key: 'email', type: 'email', unique: true },
  { key: 'first_name', type: 'string' },
  { key: 'last_name', type: 'string' },
  { key: 'full_name', type: 'string' },
  { key: 'language', type: 'string' },
  { key: 'deactivated', type: 'boolean' },
  { key: 'ltv', type: 'float' },
  { key: 'purchase_count', type: 'integer' },
  { key: 'last_purchase_category', type: 'string' },
  { key: 'last_purchase_date', type: 'date' },
  { key: 'purchase_list', type: 'string', isArray: true },
  { key: 'purchase_list_reverse', type: 'string', isArray: true },
] as const;

async function readCsv<T>(file: string): Promise<T[]> {
  const text = await readFile(path.join(demoDataDir, file), 'utf8');
  return parse(text, { columns: true, skip_empty_lines: true }) as T[];
}

/** Profile id of a demo user: readable, and not personal data. */
export function demoProfileId(userId: string | number): string {
  return `user-${userId}`;
}

/**
 * Builds one profile per user with the aggregates Grouparoo's demo config defines:
 * ltv and purchase_count over successful purchases, the most recent successful purchase's
 * category and date, and every purchase's category oldest first (and newest first).
 */
export function buildDemoProfiles(users: UserRow[], purchases: PurchaseRow[]): DemoProfile[] {
  const byUser = new Map<string, PurchaseRow[]>();
  for (const p of purchases) {
    const list = byUser.get(p.user_id) ?? [];
    list.push(p);
    byUser.set(p.user_id, list);
  }
  return users.map((u) => {
    const all = (byUser.get(u.id) ?? []).sort((a, b) => a.created_at.localeCompare(b.created_at));
    const ok = all.filter((p) => p.state === 'successful');
    const last = ok.at(-1);
    const ltv = ok.reduce((sum, p) => sum + Number(p.price), 0);
    return {
      id: demoProfileId(u.id),
      properties: {
        user_id: Number(u.id),
        email: u.email,
        first_name: u.first_name,
        last_name: u.last_name,
        full_name: `${u.first_name} ${u.last_name}`,
        language: u.language,
        deactivated: u.deactivated === 'true',
        // Rounded to cents: a float sum of prices otherwise carries binary noise.
        ltv: ok.length > 0 ? Math.round(ltv * 100) / 100 : null,
        purchase_count: ok.length,
        last_purchase_category: last?.category ?? null,
        last_purchase_date: last?.created_at ?? null,
        purchase_list: all.map((p) => p.category),
        purchase_list_reverse: all.map((p) => p.category).reverse(),
      },
    };
  });
}

/** Reads users.csv and purchases.csv and returns the demo profiles. */
export async function loadDemoProfiles(): Promise<DemoProfile[]> {
  const [users, purchases] = await Promise.all([
    readCsv<UserRow>('users.csv'),
    readCsv<PurchaseRow>('purchases.csv'),
  ]);
  return buildDemoProfiles(users, purchases);
}
