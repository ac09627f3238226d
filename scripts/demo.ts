import postgres from 'postgres';
import { logger } from '../lib/logger';
import { type ApiClient, apiClient, createIfMissing } from './api-client';
import { type DemoProfile, demoProperties, loadDemoProfiles } from './demo-data';

/** Where the demo's Postgres destinations write: a database beside Outflow's own. */
export const demoTargetDatabase = 'outflow_demo';

/** Grouparoo's demo groups, as its config defines them (see demo/grouparoo/config). */
const demoGroups = [
  { id: 'high_value', name: 'High Value', rules: [{ property: 'ltv', op: 'gt', match: 100 }] },
  {
    id: 'high_value_automotive',
    name: 'High Value with Recent Automotive Purchase',
    rules: [
      { property: 'ltv', op: 'gt', match: 100 },
      {
        property: 'last_purchase_date',
        op: 'relative_gt',
        relativeMatchNumber: 60,
        relativeMatchUnit: 'days',
      },
      { property: 'last_purchase_category', op: 'eq', match: 'Automotive' },
    ],
  },
  {
    id: 'spanish_speakers',
    name: 'Spanish Speakers',
    rules: [{ property: 'language', op: 'eq', match: 'Spanish' }],
  },
  { id: 'all_emails', name: 'All Emails', rules: [{ property: 'email', op: 'exists' }] },
  { id: 'nobody', name: 'Nobody', rules: [{ property: 'user_id', op: 'lt', match: 0 }] },
];

const demoMapping = {
  email: 'email',
  user_id: 'user_id',
  first_name: 'first_name',
  last_name: 'last_name',
  language: 'language',
  ltv: 'ltv',
  purchase_count: 'purchase_count',
  last_purchase_date: 'last_purchase_date',
};

const demoGroupMapping = { high_value: 'High Value', spanish_speakers: 'Spanish Speakers' };

/** Creates the demo's target database on the server of `databaseUrl`; returns its URL. */
export async function ensureDemoTarget(
  databaseUrl: string,
  database = demoTargetDatabase,
): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`bad database name "${database}"`);
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const found = await sql`select 1 from pg_database where datname = ${database}`;
    if (found.length === 0) await sql.unsafe(`create database ${database}`);
  } finally {
    await sql.end();
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Properties, groups, an app and two Postgres destinations: "High Value" and "All users". */
export async function setUpDemo(api: ApiClient, targetUrl: string): Promise<void> {
  for (const p of demoProperties) await createIfMissing(api, '/properties', p);
  for (const g of demoGroups) {
    await createIfMissing(api, '/groups', { ...g, kind: 'rules', matchType: 'all' });
  }
  await createIfMissing(api, '/apps', {
    id: 'demo_warehouse',
    name: 'Demo warehouse',
    type: 'postgres',
    options: { connectionString: targetUrl },
  });
  const common = {
    appId: 'demo_warehouse',
    mapping: demoMapping,
    groupMapping: demoGroupMapping,
    syncMode: 'sync',
  };
  await createIfMissing(api, '/destinations', {
    ...common,
    id: 'demo_high_value',
    name: 'High Value users',
    options: { table: 'high_value_users', keyColumn: 'email' },
    collection: 'group',
    groupId: 'high_value',
  });
  await createIfMissing(api, '/destinations', {
    ...common,
    id: 'demo_all_users',
    name: 'All users',
    options: { table: 'all_users', keyColumn: 'email' },
    collection: 'all',
  });
}

/** Upserts the profiles in batches; returns how many the API reported as changed. */
export async function importProfiles(api: ApiClient, profiles: DemoProfile[]): Promise<number> {
  let changed = 0;
  for (let i = 0; i < profiles.length; i += 500) {
    const res = await api.request<{ changed: number }>('POST', '/profiles/batch', {
      profiles: profiles.slice(i, i + 500),
    });
    changed += res.changed;
  }
  return changed;
}

/**
 * The demo `npm start` runs on an empty database: imports Grouparoo's demo users, then keeps
 * a trickle of new purchases going so exports keep happening in the Temporal UI.
 */
export async function runDemo(opts: {
  apiUrl: string;
  apiKey: string;
  databaseUrl: string;
  intervalMs?: number;
}): Promise<{ stop(): void }> {
  const api = apiClient(opts.apiUrl, opts.apiKey);
  const targetUrl = await ensureDemoTarget(opts.databaseUrl);
  await setUpDemo(api, targetUrl);
  const profiles = await loadDemoProfiles();
  const changed = await importProfiles(api, profiles);
  logger.info({ profiles: profiles.length, changed }, 'demo data imported');

  const timer = setInterval(() => {
    const profile = profiles[Math.floor(Math.random() * profiles.length)]!;
    const ltv = Number(profile.properties.ltv ?? 0) + Math.round(Math.random() * 6000) / 100;
    profile.properties.ltv = Math.round(ltv * 100) / 100;
    profile.properties.purchase_count = Number(profile.properties.purchase_count ?? 0) + 1;
    profile.properties.last_purchase_date = new Date().toISOString();
    api
      .request('PATCH', `/profiles/${profile.id}`, {
        properties: {
          ltv: profile.properties.ltv,
          purchase_count: profile.properties.purchase_count,
          last_purchase_date: profile.properties.last_purchase_date,
        },
      })
      .then(() => logger.info({ profileId: profile.id }, 'demo purchase recorded'))
      .catch((err: unknown) => logger.warn({ err: String(err) }, 'demo purchase failed'));
  }, opts.intervalMs ?? 5000);
  return { stop: () => clearInterval(timer) };
}
