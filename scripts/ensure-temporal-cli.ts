import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { ensureTemporalCli } from './temporal';

// `npm test` runs this first, so the one-time build of the CLI is not charged to a test hook.
const config = loadConfig();
if (!config.TEMPORAL_ADDRESS) {
  try {
    await ensureTemporalCli(config);
  } catch (err) {
    logger.error({ err }, 'could not provide the Temporal CLI');
    process.exitCode = 1;
  }
}
