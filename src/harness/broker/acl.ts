/**
 * Who may connect, publish and subscribe: deny by default. A pump publishes only under its own
 * topics (status, telemetry, events, cmd-ack) and subscribes only to its own cmd and acks; the
 * gateway publishes commands and acknowledgements and listens to the pumps' leaves; an observer
 * only listens. The embedded broker applies this through aedes hooks (embeddedBroker.ts); for mosquitto
 * the same rules are written as a password file and an ACL file (mosquitto.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Credentials, Identity } from './credentials.js';
import { DOWN_LEAVES, parseTopic, pumpTopic, TOPIC_ROOT, UP_LEAVES } from '../contract/topics.js';

/** An anonymous client: only ever allowed to reach the command topic of a legacy pump. */
export const ANONYMOUS: Identity = { role: 'observer', clientId: '', username: '', password: '' };

/**
 * The client ids an anonymous client may use, where a legacy-unauthenticated pump lets anonymous
 * clients in: `anon.<site>.<pump>.<anything>`, one family per legacy pump, never the id of the
 * gateway, the observer or any pump. So an anonymous CONNECT cannot take over anyone's session
 * (MQTT-3.1.4-2: a second connection with a client id in use disconnects the first).
 */
export function anonymousClientId(site: string, pumpId: string, suffix: string): string {
  return `${anonymousPrefix(site, pumpId)}${suffix}`;
}

function anonymousPrefix(site: string, pumpId: string): string {
  return `anon.${site}.${pumpId}.`;
}

/** Longest client id accepted from an anonymous client. */
const MAX_ANONYMOUS_CLIENT_ID = 128;

/** Why a CONNECT was refused: a client id that belongs to someone else is a takeover attempt. */
export type Refusal = 'credentials' | 'takeover';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class AccessPolicy {
  private readonly byUser = new Map<string, Identity>();
  private readonly clientIds = new Set<string>();
  /** Anonymous identities, one per legacy pump (each confined to its pump's command topic). */
  private readonly anonymousFor = new Map<string, Identity>();

  constructor(readonly creds: Credentials) {
    for (const id of [creds.gateway, creds.observer, ...creds.pumps.values()]) {
      this.byUser.set(id.username, id);
      this.clientIds.add(id.clientId);
    }
  }

  /** Is this client id someone's (the gateway's, the observer's, a pump's)? */
  isKnownClientId(clientId: string): boolean {
    return this.clientIds.has(clientId);
  }

  /** Why authenticate() refuses this CONNECT (undefined: it does not). */
  refusal(clientId: string, username: string | undefined, password: string | undefined): Refusal | undefined {
    if (this.authenticate(clientId, username, password)) return undefined;
    const id = username ? this.byUser.get(username) : undefined;
    const ownId = id && password !== undefined && same(id.password, password) ? id.clientId : undefined;
    return this.isKnownClientId(clientId) && clientId !== ownId ? 'takeover' : 'credentials';
  }

  /** Anonymous connections exist only when a legacy pump leaves its command topic open. */
  get allowsAnonymous(): boolean {
    return this.creds.legacyOpen.size > 0;
  }

  /** The identity for a CONNECT, or undefined (refused). MQTT-3.1.3-8: the client id is checked too. */
  authenticate(clientId: string, username: string | undefined, password: string | undefined): Identity | undefined {
    if (username === undefined || username === '') return password === undefined ? this.anonymous(clientId) : undefined;
    const id = this.byUser.get(username);
    if (!id || password === undefined || !same(id.password, password)) return undefined;
    if (id.clientId !== clientId) return undefined;
    return id;
  }

  /** An anonymous client, if a legacy pump lets them in and its client id is one of that pump's anonymous family. */
  private anonymous(clientId: string): Identity | undefined {
    if (!this.allowsAnonymous || clientId.length > MAX_ANONYMOUS_CLIENT_ID) return undefined;
    for (const pumpId of this.creds.legacyOpen) {
      const prefix = anonymousPrefix(this.creds.site, pumpId);
      if (clientId.length <= prefix.length || !clientId.startsWith(prefix)) continue;
      let id = this.anonymousFor.get(pumpId);
      if (!id) {
        id = { ...ANONYMOUS, clientId: prefix };
        this.anonymousFor.set(pumpId, id);
      }
      return id;
    }
    return undefined;
  }

  /**
   * acl-narrowed (docs/advisories.md#controls): a legacy pump's command topic is no longer open to
   * anonymous clients. New anonymous connections for it are refused and an anonymous client
   * already connected may no longer publish there; only the gateway still may. The credentials'
   * `legacyOpen` set is shared with every policy made from the same credentials (the embedded
   * broker in this process and the run's own view of it).
   */
  narrow(pumpId: string): void {
    this.creds.legacyOpen.delete(pumpId);
  }

  /**
   * Whose last will a publish without a client is (a cluster node publishing the will of a client
   * of a dead node): the pump whose status topic it is, else nobody (refused).
   */
  willOwner(topic: string): Identity | undefined {
    const t = parseTopic(topic);
    const id = t && t.leaf === 'status' && t.site === this.creds.site ? this.creds.pumps.get(t.pumpId) : undefined;
    return id?.pump && pumpTopic(id.pump, 'status') === topic ? id : undefined;
  }

  mayPublish(id: Identity, topic: string): boolean {
    const t = parseTopic(topic);
    if (!t || t.site !== this.creds.site) return false;
    if (id === ANONYMOUS) return t.leaf === 'cmd' && this.creds.legacyOpen.has(t.pumpId) && this.isPumpTopic(t.pumpId, topic);
    const anonFor = [...this.anonymousFor].find(([, a]) => a === id)?.[0];
    if (anonFor !== undefined) return t.leaf === 'cmd' && t.pumpId === anonFor && this.creds.legacyOpen.has(t.pumpId) && this.isPumpTopic(t.pumpId, topic);
    switch (id.role) {
      case 'pump':
        return !!id.pump && id.pump.pumpId === t.pumpId && id.pump.unit === t.unit && (UP_LEAVES as readonly string[]).includes(t.leaf);
      case 'gateway':
        return (DOWN_LEAVES as readonly string[]).includes(t.leaf) && this.isPumpTopic(t.pumpId, topic);
      case 'observer':
        return false;
    }
  }

  maySubscribe(id: Identity, filter: string): boolean {
    if (id === ANONYMOUS || id.username === '') return false;
    const prefix = `${TOPIC_ROOT}/${this.creds.site}/`;
    switch (id.role) {
      case 'pump':
        return !!id.pump && (filter === pumpTopic(id.pump, 'cmd') || filter === pumpTopic(id.pump, 'acks'));
      case 'gateway': {
        if (!filter.startsWith(prefix) || filter.includes('#')) return false;
        const leaf = filter.slice(filter.lastIndexOf('/') + 1);
        return (UP_LEAVES as readonly string[]).includes(leaf) && filter.split('/').length === 6;
      }
      case 'observer':
        return filter.startsWith(prefix) || filter === `${TOPIC_ROOT}/${this.creds.site}/#`;
    }
  }

  private isPumpTopic(pumpId: string, topic: string): boolean {
    const p = this.creds.pumps.get(pumpId)?.pump;
    if (!p) return false;
    const t = parseTopic(topic);
    return !!t && topic === pumpTopic(p, t.leaf);
  }
}
