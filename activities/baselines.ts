import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { destinationProfiles } from '../db/schema';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Makes complete exports the baselines of their profiles. */
export async function moveBaselines(
  tx: Tx,
  destinationId: string,
  completed: { id: number; profileId: string; toDelete: boolean }[],
): Promise<void> {
  if (completed.length === 0) return;
  await tx
    .insert(destinationProfiles)
    .values(
      completed.map((e) => ({
        destinationId,
        profileId: e.profileId,
        baselineExportId: e.id,
        present: !e.toDelete,
      })),
    )
    .onConflictDoUpdate({
      target: [destinationProfiles.destinationId, destinationProfiles.profileId],
      set: {
        baselineExportId: sql`excluded.baseline_export_id`,
        present: sql`excluded.present`,
        updatedAt: sql`now()`,
      },
    });
}
