import type { Connector } from './types';

/**
 * The registry of destination connectors, by destination type. Product code looks connectors
 * up here; tests may register their own through `registerConnector`.
 */
const connectors = new Map<string, Connector>();

export function registerConnector(connector: Connector): void {
  connectors.set(connector.type, connector);
}

export function getConnector(type: string): Connector | undefined {
  return connectors.get(type);
}

export function listConnectors(): Connector[] {
  return [...connectors.values()];
}
