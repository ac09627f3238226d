import {
  RemoteRefusedError,
  RemoteUnavailableError,
  type MappingOptions,
  type RemoteField,
  type RemoteFieldType,
} from '../types';
import { callHubspot, tokenId } from './client';
import type { HubspotAppOptions } from './options';
import type { StepFailure } from './outcome';

/** The mapping key of the contact's email: HubSpot's unique identifier for contacts. */
export const emailField = 'email';

/** One contact property as `GET /crm/v3/properties/contacts` describes it. */
interface HubspotProperty {
  name: string;
  type: string;
  fieldType?: string;
  calculated?: boolean;
  hidden?: boolean;
  modificationMetadata?: { readOnlyValue?: boolean };
}

const propertyTypes: Record<string, RemoteFieldType> = {
  string: 'string',
  enumeration: 'string',
  phone_number: 'phone',
  number: 'float',
  date: 'date',
  datetime: 'date',
  bool: 'boolean',
};

function fieldType(p: HubspotProperty): RemoteFieldType {
  if (p.fieldType === 'phonenumber' || p.name === 'phone' || p.name === 'mobilephone') {
    return 'phone';
  }
  return propertyTypes[p.type] ?? 'string';
}

const important = new Set(['firstname', 'lastname', 'company']);

// Every export batch asks for mapping options; a minute's cache spares HubSpot's rate limit.
const cacheMs = 60_000;

export interface ContactProperties {
  mapping: MappingOptions;
  /** properties of HubSpot type `date`, which take a day (`YYYY-MM-DD`), not a time */
  dateOnly: Set<string>;
}
const cache = new Map<string, { at: number; value: ContactProperties }>();

/** Reads the writable contact properties (cached for a minute per token and API root). */
export async function readContactProperties(
  options: HubspotAppOptions,
  signal?: AbortSignal,
): Promise<ContactProperties | StepFailure> {
  const key = `${tokenId(options.accessToken)} ${options.baseUrl ?? ''}`;
  const cached = cache.get(key);
  if (cached && Date.now() - cached.at < cacheMs) return cached.value;

  const path = '/crm/v3/properties/contacts';
  const result = await callHubspot(options, 'GET', path, undefined, signal);
  if (result.kind !== 'ok') return { step: 'read contact properties', result };
  const body = result.body as { results?: HubspotProperty[] } | undefined;
  // Read-only and calculated properties are HubSpot's to set: writing them fails the batch.
  const writable = (body?.results ?? []).filter(
    (p) => p.name !== emailField && !p.calculated && !p.modificationMetadata?.readOnlyValue,
  );
  const known: RemoteField[] = writable.map((p) => ({
    key: p.name,
    type: fieldType(p),
    important: important.has(p.name),
  }));
  const value: ContactProperties = {
    mapping: {
      required: [{ key: emailField, type: 'email', important: true }],
      known: [{ key: emailField, type: 'email', important: true }, ...known],
      allowCustomFields: false,
      arrayFields: [],
    },
    dateOnly: new Set(writable.filter((p) => p.type === 'date').map((p) => p.name)),
  };
  cache.set(key, { at: Date.now(), value });
  return value;
}

/** Mapping options from the contact properties; throws when HubSpot cannot be asked. */
export async function hubspotMappingOptions(
  options: HubspotAppOptions,
  signal?: AbortSignal,
): Promise<MappingOptions> {
  const read = await readContactProperties(options, signal);
  if ('step' in read) {
    const { result } = read;
    const message = `could not read HubSpot's contact properties: ${result.message}`;
    if (result.kind === 'unreachable' || result.status === 429 || result.status >= 500) {
      throw new RemoteUnavailableError(
        message,
        'retryAfterMs' in result ? result.retryAfterMs : undefined,
      );
    }
    throw new RemoteRefusedError(message);
  }
  return read.mapping;
}
