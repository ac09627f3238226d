import { callBraze, type BrazeItemError } from './client';
import type { BrazeAppOptions } from './options';
import type { Failure } from './outcome';

export type BrazeAttributes = Record<string, unknown> & { external_id: string };

/** Braze's documented per-request limits. */
export const limits = { track: 75, delete: 50, exportIds: 50, rename: 50 };

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs one request per chunk (the key's semaphore bounds them) and flattens the answers. */
async function perChunk<T, R>(items: T[], size: number, send: (chunk: T[]) => Promise<R[]>) {
  return (await Promise.all(chunks(items, size).map(send))).flat();
}

/** The user endpoints of one Braze workspace, chunked to Braze's limits. */
export function brazeUsers(options: BrazeAppOptions, signal?: AbortSignal) {
  const post = (path: string, body: unknown) => callBraze(options, path, body, signal);

  return {
    /** which of `ids` are users' external ids, or why Braze could not say */
    async existing(ids: string[]): Promise<Set<string> | Failure> {
      const answers = await perChunk(
        [...new Set(ids)],
        limits.exportIds,
        async (chunk): Promise<(string | Failure)[]> => {
          const r = await post('/users/export/ids', {
            external_ids: chunk,
            fields_to_export: ['external_id'],
          });
          if (r.kind !== 'ok') return [r];
          const users = (r.body.users ?? []) as { external_id?: string }[];
          return users.map((u) => u.external_id).filter((id): id is string => !!id);
        },
      );
      const failure = answers.find((a): a is Failure => typeof a !== 'string');
      return failure ?? new Set(answers as string[]);
    },

    /**
     * Upserts attribute objects; one answer per object: null when stored, else why not.
     * Braze answers 201 with indexed `errors` when it refused some objects, 400 when it
     * refused them all; the index points into the request's `attributes` array.
     */
    track: (objects: BrazeAttributes[]) =>
      perChunk(objects, limits.track, async (chunk): Promise<(Failure | null)[]> => {
        const r = await post('/users/track', { attributes: chunk });
        if (r.kind === 'unreachable' || (r.kind === 'error' && r.status !== 400)) {
          return chunk.map(() => r);
        }
        const errors: BrazeItemError[] = r.kind === 'ok' ? ((r.body.errors ?? []) as []) : r.errors;
        const answers: (Failure | null)[] = chunk.map(() =>
          // In a 400 nothing was stored: records not named share the request's message.
          r.kind === 'error' ? { kind: 'refused', message: r.message } : null,
        );
        for (const e of errors) {
          const inAttributes = e.input_array === undefined || e.input_array === 'attributes';
          if (inAttributes && typeof e.index === 'number' && e.index < chunk.length) {
            answers[e.index] = { kind: 'refused', message: e.type };
          }
        }
        return answers;
      }),

    /** deletes users by external id; unknown ids count as done */
    remove: (ids: string[]) =>
      perChunk(ids, limits.delete, async (chunk): Promise<(Failure | null)[]> => {
        const r = await post('/users/delete', { external_ids: chunk });
        return chunk.map(() => (r.kind === 'ok' ? null : r));
      }),

    /** renames users; 'taken' when Braze refused (the new id is in use, or the old is gone) */
    rename: (pairs: { from: string; to: string }[]) =>
      perChunk(pairs, limits.rename, async (chunk): Promise<('renamed' | 'taken' | Failure)[]> => {
        const external_id_renames = chunk.map((p) => ({
          current_external_id: p.from,
          new_external_id: p.to,
        }));
        const r = await post('/users/external_ids/rename', { external_id_renames });
        if (r.kind !== 'ok') return chunk.map(() => r);
        // Braze lists the renamed users; anything else came back in `rename_errors`.
        const renamed = new Set((r.body.external_ids ?? []) as string[]);
        return chunk.map((p) => (renamed.has(p.from) || renamed.has(p.to) ? 'renamed' : 'taken'));
      }),
  };
}

export type BrazeUsers = ReturnType<typeof brazeUsers>;
