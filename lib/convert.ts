import { own } from './own';
import type { PropertyType, ScalarValue } from './domain';
import type { MappingOptions, RemoteField, RemoteFieldType } from '../connectors/types';
import { article, quote } from './quote';

/**
 * Which remote field types each property type may be sent to (Grouparoo §1.5, with `phone`
 * for its `phoneNumber`). Unlike Grouparoo, a string goes only to text-like fields: values are
 * sent unparsed, so a string mapped to a number, boolean or date field would fail at the
 * remote on every export. Declare the property with the right type instead.
 */
const allowedTargets: Record<PropertyType, readonly RemoteFieldType[]> = {
  float: ['any', 'float', 'number', 'string'],
  integer: ['any', 'float', 'integer', 'number', 'string'],
  string: ['any', 'string', 'email', 'url', 'phone'],
  url: ['any', 'string', 'url'],
  email: ['any', 'string', 'email'],
  phone: ['any', 'string', 'phone'],
  boolean: ['any', 'boolean', 'string', 'number'],
  date: ['any', 'date', 'float', 'integer', 'number', 'string'],
};

export function canConvert(from: PropertyType, to: RemoteFieldType): boolean {
  return allowedTargets[from].includes(to);
}

/**
 * Converts one stored value to what a remote field of type `to` receives.
 * Dates are stored as ISO strings; numeric targets get epoch milliseconds.
 */
export function convertValue(
  value: ScalarValue,
  from: PropertyType,
  to: RemoteFieldType,
): ScalarValue {
  if (!canConvert(from, to)) {
    throw new Error(`cannot export a ${from} property to a remote field of type ${to}`);
  }
  if (to === 'any' || from === 'string') return value;
  if (from === 'boolean') {
    if (to === 'string') return String(value);
    if (to === 'number') return value ? 1 : 0;
    return value;
  }
  if (from === 'date' && ['float', 'integer', 'number'].includes(to)) {
    return Date.parse(String(value));
  }
  if (to === 'string') return String(value);
  return value;
}

export interface MappingProblem {
  /** the remote field (or `mapping`) the problem is about */
  field: string;
  message: string;
}

/**
 * Checks a mapping (remote field → property key) against what the connector declares:
 * every required field mapped, no reserved field, every name following the connector's rule,
 * only known fields unless custom ones are allowed, every property existing and convertible
 * to the field's type. Unlike Grouparoo, an empty mapping is not exempt: the identifier is
 * always required, and comes from a unique property (where `unique` is given): two profiles
 * sharing a value would share one remote record, and deleting one would delete the other's.
 */
export function validateMapping(
  options: MappingOptions,
  mapping: Record<string, string>,
  propertyTypes: Record<string, { type: PropertyType; isArray: boolean; unique?: boolean }>,
): MappingProblem[] {
  const problems: MappingProblem[] = [];
  // Keys like "constructor" must not find Object.prototype's members.
  const propertyOf = (key: string) => own(propertyTypes, key);
  const identifier = options.required[0];
  const identifierKey =
    identifier && Object.hasOwn(mapping, identifier.key) && mapping[identifier.key];
  if (identifier && identifierKey && propertyOf(identifierKey)?.unique === false) {
    problems.push({
      field: identifier.key,
      message: `${identifier.key} identifies the remote record and must be mapped from a unique property; "${identifierKey}" is not unique`,
    });
  }
  const fields = new Map<string, RemoteField>();
  for (const f of [...options.known, ...options.required]) fields.set(f.key, f);
  const reserved = new Set(options.reservedFields);
  const rule = options.fieldNamePattern;
  const namePattern = rule && new RegExp(`^(?:${rule.pattern})$`);

  for (const req of options.required) {
    if (!Object.hasOwn(mapping, req.key) || !mapping[req.key]) {
      problems.push({ field: req.key, message: `${req.key} is required and must be mapped` });
    }
  }
  for (const [remoteKey, propertyKey] of Object.entries(mapping)) {
    if (reserved.has(remoteKey)) {
      const message = `${quote(remoteKey)} is written by Outflow itself and cannot be mapped`;
      problems.push({ field: remoteKey, message });
      continue;
    }
    if (namePattern && !namePattern.test(remoteKey)) {
      problems.push({
        field: remoteKey,
        message: `${quote(remoteKey)} is not ${rule.description}`,
      });
      continue;
    }
    const property = propertyOf(propertyKey);
    if (!property) {
      problems.push({ field: remoteKey, message: `property "${propertyKey}" does not exist` });
      continue;
    }
    const field = fields.get(remoteKey);
    if (!field) {
      if (!options.allowCustomFields) {
        problems.push({ field: remoteKey, message: `"${remoteKey}" is not a known remote field` });
      }
      continue;
    }
    if (!canConvert(property.type, field.type)) {
      problems.push({
        field: remoteKey,
        message: `${remoteKey} needs ${article(field.type)} ${field.type} value, but "${propertyKey}" is ${article(property.type)} ${property.type}`,
      });
    }
  }
  return problems;
}
