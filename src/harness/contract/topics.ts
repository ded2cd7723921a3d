/**
 * The MQTT topic tree, versioned: `infusim/v1/<site>/<unit>/<pump>/<leaf>`. Each pump publishes
 * only under its own topics and subscribes only to its own commands and acknowledgements; the
 * gateway is a separate identity. docs/mqtt.md documents the tree.
 */
export const TOPIC_ROOT = 'infusim/v1';

/** Pump → gateway leaves, and gateway → pump leaves. */
export const UP_LEAVES = ['status', 'telemetry', 'events', 'cmd-ack'] as const;
export const DOWN_LEAVES = ['cmd', 'acks'] as const;
export type UpLeaf = (typeof UP_LEAVES)[number];
export type DownLeaf = (typeof DOWN_LEAVES)[number];
export type Leaf = UpLeaf | DownLeaf;

const SEGMENT_RE = /^[A-Za-z0-9_.-]{1,64}$/;

/** A topic level must not contain MQTT wildcards or separators (and stays short). */
export function assertTopicLevel(what: string, s: string): string {
  if (!SEGMENT_RE.test(s)) throw new RangeError(`${what} "${s}" cannot be an MQTT topic level (letters, digits, _ . - only, at most 64)`);
  return s;
}

/** A site name from free text (a scenario name). */
export function siteLevel(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
  return s === '' ? 'site' : s;
}

export interface PumpAddress {
  site: string;
  unit: string;
  pumpId: string;
}

export function pumpBase(a: PumpAddress): string {
  return `${TOPIC_ROOT}/${assertTopicLevel('site', a.site)}/${assertTopicLevel('unit', a.unit)}/${assertTopicLevel('pump id', a.pumpId)}`;
}

export function pumpTopic(a: PumpAddress, leaf: Leaf): string {
  return `${pumpBase(a)}/${leaf}`;
}

/** What the gateway subscribes to for a site (one filter per up leaf). */
export function gatewayFilters(site: string): string[] {
  return UP_LEAVES.map((l) => `${TOPIC_ROOT}/${assertTopicLevel('site', site)}/+/+/${l}`);
}

export interface ParsedTopic extends PumpAddress {
  leaf: Leaf;
}

/**
 * Parsed topics, by text: every message over MQTT has its topic parsed several times (ACL, link
 * proxy, receivers), always among the same few per pump. Bounded: emptied when it reaches
 * PARSED_TOPICS_MAX, so topics made up by a rogue client cannot grow it without end.
 */
const parsedTopics = new Map<string, Readonly<ParsedTopic> | undefined>();
const PARSED_TOPICS_MAX = 65_536;

/** Parse a topic of the tree; undefined for anything else. The result is shared: do not change it. */
export function parseTopic(topic: string): Readonly<ParsedTopic> | undefined {
  if (parsedTopics.has(topic)) return parsedTopics.get(topic);
  if (parsedTopics.size >= PARSED_TOPICS_MAX) parsedTopics.clear();
  const t = parseTopicText(topic);
  parsedTopics.set(topic, t === undefined ? undefined : Object.freeze(t));
  return t;
}

function parseTopicText(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return undefined;
  const [, , site, unit, pumpId, leaf] = parts as [string, string, string, string, string, string];
  if (![site, unit, pumpId].every((s) => SEGMENT_RE.test(s))) return undefined;
  if (!(UP_LEAVES as readonly string[]).includes(leaf) && !(DOWN_LEAVES as readonly string[]).includes(leaf)) return undefined;
  return { site, unit, pumpId, leaf: leaf as Leaf };
}
