import { randomUUID } from 'node:crypto';

/**
 * HubSpot's error bodies, shaped as the recordings in
 * `shared/data/api-recordings/hubspot-export-record.json` show them:
 * `{ status: 'error', message, correlationId, category, errors? }`.
 */

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function error(status: number, category: string, message: string, extra = {}): Reply {
  return {
    status,
    body: { status: 'error', message, correlationId: randomUUID(), category, ...extra },
  };
}

export const unauthorized = () =>
  error(
    401,
    'INVALID_AUTHENTICATION',
    'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
  );

export const notFound = (message = 'resource not found') => error(404, 'OBJECT_NOT_FOUND', message);

export const tooManyInputs = (count: number) =>
  error(400, 'VALIDATION_ERROR', `Batch input size ${count} exceeds the limit of 100 inputs`);

/** One invalid property value, as HubSpot lists it inside a VALIDATION_ERROR message. */
export interface Invalid {
  name: string;
  error: string;
  message: string;
}

// HubSpot names the bad values inside the message, as a JSON array (see the recordings).
export const invalidProperties = (invalid: Invalid[]) =>
  error(
    400,
    'VALIDATION_ERROR',
    `Property values were not valid: ${JSON.stringify(
      invalid.map((i) => ({ isValid: false, ...i, localizedErrorMessage: i.message })),
    )}`,
  );

export const duplicateInputs = (what: string) =>
  error(400, 'VALIDATION_ERROR', `Duplicate ${what} found in batch input`);

export const contactExists = (id: string) =>
  error(409, 'CONFLICT', `Contact already exists. Existing ID: ${id}`);

export const serverError = (status: number) => error(status, 'INTERNAL_ERROR', 'internal error');
