import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { localApiUrl, localDatabaseUrl, localTemporalAddress } from '../../scripts/local-database';
import { forgetRunning, recordRunning } from '../../scripts/running';

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

describe('the command-line tools find the system npm start runs', () => {
  it('use the ports npm start recorded in the data dir, and the defaults once it stopped', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'outflow-running-'));
    folders.push(dataDir);
    const config = loadConfig({ OUTFLOW_DATA_DIR: dataDir });
    const system = {
      pid: process.pid,
      apiUrl: 'http://localhost:3301',
      temporalAddress: '127.0.0.1:7401',
      postgresPort: 5601,
    };
    await recordRunning(config, system);
    expect(localApiUrl(config)).toBe('http://localhost:3301');
    expect(localTemporalAddress(config)).toBe('127.0.0.1:7401');
    expect(localDatabaseUrl(config)).toBe('postgres://postgres@127.0.0.1:5601/outflow');

    // A file left behind by a process that died is not believed.
    await recordRunning(config, { ...system, pid: 2 ** 22 + 17 });
    expect(localApiUrl(config)).toBe('http://127.0.0.1:3000');
    await forgetRunning(config);
    expect(localTemporalAddress(config)).toBe('127.0.0.1:7233');
    expect(localDatabaseUrl(config)).toBe('postgres://postgres@127.0.0.1:5488/outflow');
  });
});
