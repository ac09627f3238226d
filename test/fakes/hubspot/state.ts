import type { Invalid } from './errors';

export interface Contact {
  id: string;
  /** property values as HubSpot stores them: strings; a cleared property is absent */
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface List {
  listId: string;
  name: string;
  processingType: 'MANUAL' | 'DYNAMIC' | 'SNAPSHOT';
  members: Set<string>;
}

export interface PropertyDefinition {
  name: string;
  type: string;
  fieldType: string;
  readOnly?: boolean;
  calculated?: boolean;
}

export const defaultProperties: PropertyDefinition[] = [
  { name: 'email', type: 'string', fieldType: 'text' },
  { name: 'firstname', type: 'string', fieldType: 'text' },
  { name: 'lastname', type: 'string', fieldType: 'text' },
  { name: 'company', type: 'string', fieldType: 'text' },
  { name: 'phone', type: 'string', fieldType: 'phonenumber' },
  { name: 'lifecyclestage', type: 'enumeration', fieldType: 'radio' },
  { name: 'ltv', type: 'number', fieldType: 'number' },
  { name: 'birthday', type: 'date', fieldType: 'date' },
  { name: 'vip', type: 'bool', fieldType: 'booleancheckbox' },
  { name: 'createdate', type: 'datetime', fieldType: 'date', readOnly: true },
  // "Unsubscribed from all email": only the contact or HubSpot's subscription tools change it.
  { name: 'hs_email_optout', type: 'bool', fieldType: 'booleancheckbox', readOnly: true },
  { name: 'num_notes', type: 'number', fieldType: 'number', calculated: true, readOnly: true },
];

// One @, no spaces, and a domain of non-empty dot-separated labels: stricter than Outflow's
// own check, as HubSpot's is, so an address Outflow accepts (`a@example..com`) can be refused.
const emailPattern = /^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$/;

export class HubspotState {
  contacts = new Map<string, Contact>();
  lists = new Map<string, List>();
  properties: PropertyDefinition[] = [...defaultProperties];
  private nextId = 1001;

  newId = () => String(this.nextId++);

  /** the live contact with this email (HubSpot compares emails case-insensitively) */
  byEmail(email: string): Contact | undefined {
    const key = email.toLowerCase();
    for (const c of this.contacts.values()) {
      if (!c.archived && c.properties.email?.toLowerCase() === key) return c;
    }
    return undefined;
  }

  live(id: string): Contact | undefined {
    const c = this.contacts.get(id);
    return c && !c.archived ? c : undefined;
  }

  /** What HubSpot would refuse in these values; null when all are valid. */
  invalid(values: Record<string, unknown>): Invalid | null {
    for (const [name, raw] of Object.entries(values)) {
      const value = raw === null ? '' : String(raw);
      const def = this.properties.find((p) => p.name === name);
      if (!def) {
        return {
          name,
          error: 'PROPERTY_DOESNT_EXIST',
          message: `Property "${name}" does not exist`,
        };
      }
      if (def.readOnly || def.calculated) {
        return { name, error: 'READ_ONLY_VALUE', message: `${name} is a read only property` };
      }
      if (value === '') continue;
      if (name === 'email' && !emailPattern.test(value)) {
        return { name, error: 'INVALID_EMAIL', message: `Email address ${value} is invalid` };
      }
      if (def.type === 'number' && !Number.isFinite(Number(value))) {
        return { name, error: 'INVALID_LONG', message: `${value} was not a valid long.` };
      }
      if (def.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(value) && Number(value) % 86_400_000) {
        return {
          name,
          error: 'INVALID_DATE',
          message: `${value} is not a valid date at midnight UTC`,
        };
      }
    }
    return null;
  }

  /** Writes values; "" clears a property, as HubSpot does. */
  write(contact: Contact, values: Record<string, unknown>) {
    for (const [name, raw] of Object.entries(values)) {
      const value = raw === null ? '' : String(raw);
      if (value === '') delete contact.properties[name];
      else contact.properties[name] = value;
    }
    contact.updatedAt = new Date().toISOString();
  }

  view(c: Contact, only?: string[]) {
    const properties: Record<string, string | null> = { hs_object_id: c.id };
    for (const name of only ?? Object.keys(c.properties))
      properties[name] = c.properties[name] ?? null;
    return {
      id: c.id,
      properties,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      archived: false,
    };
  }

  listView(l: List) {
    return {
      listId: l.listId,
      name: l.name,
      objectTypeId: '0-1',
      processingType: l.processingType,
      processingStatus: 'COMPLETE',
      listVersion: 1,
      size: l.members.size,
    };
  }

  /** A list as a marketer would make it in HubSpot's UI. */
  addList(name: string, processingType: List['processingType'] = 'MANUAL'): List {
    const list = { listId: this.newId(), name, processingType, members: new Set<string>() };
    this.lists.set(list.listId, list);
    return list;
  }

  listByName(name: string): List | undefined {
    return [...this.lists.values()].find((l) => l.name.toLowerCase() === name.toLowerCase());
  }

  /** Archiving removes the contact from every list and frees its email. */
  archive(id: string) {
    const c = this.live(id);
    if (!c) return;
    c.archived = true;
    for (const list of this.lists.values()) list.members.delete(id);
  }
}
