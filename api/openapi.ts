import { z } from '@hono/zod-openapi';
import { randomUUID } from 'node:crypto';

/** Small builders shared by the route definitions, so each route reads as its shape only. */

export const idPattern = /^[a-zA-Z0-9_-]{1,64}$/;

export const idSchema = z.string().regex(idPattern, 'ids are 1-64 letters, digits, _ or -');

export const idParams = z.object({ id: idSchema.openapi({ param: { name: 'id', in: 'path' } }) });

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } };
}

/** Responses every route may give besides its success. */
const errorResponses = {
  400: { description: 'The request is invalid; `error.issues` names each field.' },
  401: { description: 'Missing or wrong bearer token.' },
  404: { description: 'No such resource.' },
  409: { description: 'The change conflicts with existing data.' },
};

export function responses(success: number, description: string) {
  return { [success]: { description }, ...errorResponses };
}

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: idSchema.optional(),
});

/** A random id with a readable prefix, e.g. `grp_k3x9…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
}
