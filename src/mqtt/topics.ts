/** Typed builders for every topic in CONTRACT.md's MQTT table, from one base topic. */
import { ScanError } from '../core/errors.js';

/** The reserved level under the base that holds the bridge's own topics (never a scanner id). */
export const BRIDGE_LEVEL = 'bridge';

/** Commands a scanner topic accepts. */
export type ScannerCommand = 'scan' | 'cancel';

/** All topics of one gateway instance. */
export interface Topics {
  readonly base: string;
  readonly bridgeState: string;
  readonly bridgeInfo: string;
  readonly bridgeDevices: string;
  readonly bridgeEvent: string;
  /** Subscription filter for every bridge request. */
  readonly bridgeRequestFilter: string;
  bridgeRequest(action: string): string;
  bridgeResponse(action: string): string;
  /** The retained state topic `<base>/<id>`. */
  scanner(id: string): string;
  availability(id: string): string;
  capabilities(id: string): string;
  scan(id: string): string;
  job(id: string): string;
  cancel(id: string): string;
  button(id: string): string;
  /** Retained: what a `{}` scan uses now (the scanner's preferences completed). */
  preferences(id: string): string;
  /** Retained: the summary of the last finished scan. */
  lastScan(id: string): string;
  /** Retained: a JPEG thumbnail of the last scanned page. */
  preview(id: string): string;
  /** Subscription filter for every `<base>/<id>/set/<key>` preference command. */
  readonly setFilter: string;
  /** Subscription filter for a command on any scanner, e.g. `<base>/+/scan`. */
  commandFilter(command: ScannerCommand): string;
  /** The scanner id and command of an incoming command topic, or undefined when it is not one. */
  parseCommand(topic: string): { scannerId: string; command: ScannerCommand } | undefined;
  /** The action of an incoming bridge request topic (may contain `/`, e.g. `device/remove`), or undefined. */
  parseBridgeRequest(topic: string): string | undefined;
}

/** Throws unless `base` can prefix topics: non-empty, no wildcards, no empty levels. */
export function assertValidBaseTopic(base: string): void {
  const bad = base.length === 0 || hasAny(base, '+#\u0000') || base.split('/').some((level) => level === '');
  if (bad) throw new ScanError('InvalidRequest', `invalid MQTT base topic: ${JSON.stringify(base)}`);
}

function hasAny(text: string, characters: string): boolean {
  return [...characters].some((c) => text.includes(c));
}

/** Scanner ids become one topic level, so they must not contain a separator or a wildcard. */
function checkedId(id: string): string {
  if (id.length === 0 || hasAny(id, '/+#\u0000')) {
    throw new ScanError('InvalidRequest', `scanner id cannot be used in a topic: ${JSON.stringify(id)}`);
  }
  return id;
}

/** Builds the topic set for `base` (e.g. `scan2mqtt`). */
export function createTopics(base: string): Topics {
  assertValidBaseTopic(base);
  const bridge = `${base}/${BRIDGE_LEVEL}`;
  const requestPrefix = `${bridge}/request/`;
  const scanner = (id: string) => `${base}/${checkedId(id)}`;
  return {
    base,
    bridgeState: `${bridge}/state`,
    bridgeInfo: `${bridge}/info`,
    bridgeDevices: `${bridge}/devices`,
    bridgeEvent: `${bridge}/event`,
    bridgeRequestFilter: `${requestPrefix}#`,
    bridgeRequest: (action) => `${requestPrefix}${action}`,
    bridgeResponse: (action) => `${bridge}/response/${action}`,
    scanner,
    availability: (id) => `${scanner(id)}/availability`,
    capabilities: (id) => `${scanner(id)}/capabilities`,
    scan: (id) => `${scanner(id)}/scan`,
    job: (id) => `${scanner(id)}/job`,
    cancel: (id) => `${scanner(id)}/cancel`,
    button: (id) => `${scanner(id)}/button`,
    preferences: (id) => `${scanner(id)}/preferences`,
    lastScan: (id) => `${scanner(id)}/last_scan`,
    preview: (id) => `${scanner(id)}/preview`,
    setFilter: `${base}/+/set/+`,
    commandFilter: (command) => `${base}/+/${command}`,
    parseCommand(topic) {
      if (!topic.startsWith(`${base}/`)) return undefined;
      const levels = topic.slice(base.length + 1).split('/');
      const [scannerId, command] = levels;
      if (levels.length !== 2 || !scannerId || scannerId === BRIDGE_LEVEL) return undefined;
      return command === 'scan' || command === 'cancel' ? { scannerId, command } : undefined;
    },
    parseBridgeRequest(topic) {
      if (!topic.startsWith(requestPrefix)) return undefined;
      const action = topic.slice(requestPrefix.length);
      return action.length > 0 ? action : undefined;
    },
  };
}
