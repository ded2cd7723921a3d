/**
 * Who may connect, publish and subscribe: deny by default. A pump publishes only under its own
 * topics (status, telemetry, events, cmd-ack) and subscribes only to its own cmd and acks; the
 * gateway publishes commands and acknowledgements and listens to the pumps' leaves; an observer
 * only listens. The embedded broker applies this through aedes hooks (broker.ts); for mosquitto
 * the same rules are written as a password file and an ACL file (mosquitto.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Credentials, Identity } from './credentials.js';
import { DOWN_LEAVES, parseTopic, pumpTopic, TOPIC_ROOT, UP_LEAVES } from './topics.js';

/** An anonymous client: only ever allowed to reach the command topic of a legacy pump. */
export const ANONYMOUS: Identity = { role: 'observer', clientId: '', username: '', password: '' };

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class AccessPolicy {
  private readonly byUser = new Map<string, Identity>();

  constructor(readonly creds: Credentials) {
    for (const id of [creds.gateway, creds.observer, ...creds.pumps.values()]) this.byUser.set(id.username, id);
  }

  /** Anonymous connections exist only when a legacy pump leaves its command topic open. */
  get allowsAnonymous(): boolean {
    return this.creds.legacyOpen.size > 0;
  }

  /** The identity for a CONNECT, or undefined (refused). MQTT-3.1.3-8: the client id is checked too. */
  authenticate(clientId: string, username: string | undefined, password: string | undefined): Identity | undefined {
    if (username === undefined || username === '') return this.allowsAnonymous && password === undefined ? ANONYMOUS : undefined;
    const id = this.byUser.get(username);
    if (!id || password === undefined || !same(id.password, password)) return undefined;
    if (id.clientId !== clientId) return undefined;
    return id;
  }

  mayPublish(id: Identity, topic: string): boolean {
    const t = parseTopic(topic);
    if (!t || t.site !== this.creds.site) return false;
    if (id === ANONYMOUS) return t.leaf === 'cmd' && this.creds.legacyOpen.has(t.pumpId) && this.isPumpTopic(t.pumpId, topic);
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
    if (id === ANONYMOUS) return false;
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
