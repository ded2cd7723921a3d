/**
 * Per-run credentials: every pump and the gateway get their own client id, user name and a random
 * password, generated for the run (or written once for a fleet file). No shared or default
 * passwords (FDA premarket cybersecurity guidance 2023; CISA advisories CVE-2017-12725,
 * CVE-2015-3953, CVE-2020-12047 on hard-coded credentials).
 */
import { randomBytes } from 'node:crypto';
import { assertTopicLevel, type PumpAddress } from '../contract/topics.js';

/**
 * The one firmware profile that models the advisories' weakness on the broker side: anyone on the
 * broker, even without credentials, may publish commands to such a pump (cleartext,
 * unauthenticated protocol: CVE-2020-12040, CVE-2021-33883). Named, never a default.
 */
export const LEGACY_UNAUTHENTICATED = 'legacy-unauthenticated';

export type Role = 'pump' | 'gateway' | 'observer';

export interface Identity {
  role: Role;
  clientId: string;
  username: string;
  password: string;
  /** For a pump: where its topics live. */
  pump?: PumpAddress | undefined;
}

export interface Credentials {
  site: string;
  gateway: Identity;
  /** Read-only: a dashboard or a contract check may listen to the whole site. */
  observer: Identity;
  pumps: Map<string, Identity>;
  /** Pumps whose firmware profile is LEGACY_UNAUTHENTICATED: their command topic is open. */
  legacyOpen: Set<string>;
}

export interface PumpSpec {
  pumpId: string;
  unit: string;
  profile?: string | undefined;
}

function secret(): string {
  return randomBytes(18).toString('base64url');
}

export function generateCredentials(site: string, pumps: readonly PumpSpec[]): Credentials {
  assertTopicLevel('site', site);
  const map = new Map<string, Identity>();
  const legacyOpen = new Set<string>();
  for (const p of pumps) {
    if (map.has(p.pumpId)) throw new RangeError(`pump id "${p.pumpId}" is used twice`);
    const address = { site, unit: assertTopicLevel('unit', p.unit), pumpId: assertTopicLevel('pump id', p.pumpId) };
    const username = `pump.${site}.${p.pumpId}`;
    // The client id is the user name (mosquitto: use_username_as_clientid), so nobody can take over a pump's session.
    map.set(p.pumpId, { role: 'pump', clientId: username, username, password: secret(), pump: address });
    if (p.profile === LEGACY_UNAUTHENTICATED) legacyOpen.add(p.pumpId);
  }
  return {
    site,
    gateway: { role: 'gateway', clientId: `gateway.${site}`, username: `gateway.${site}`, password: secret() },
    observer: { role: 'observer', clientId: `observer.${site}`, username: `observer.${site}`, password: secret() },
    pumps: map,
    legacyOpen,
  };
}

/** Serialisable form (a fleet's credentials file); the passwords are in it: keep it private. */
export function credentialsToJson(c: Credentials): string {
  return JSON.stringify({ site: c.site, gateway: c.gateway, observer: c.observer, pumps: [...c.pumps.values()], legacyOpen: [...c.legacyOpen] }, null, 2) + '\n';
}

export function credentialsFromJson(text: string): Credentials {
  const j = JSON.parse(text) as { site: string; gateway: Identity; observer: Identity; pumps: Identity[]; legacyOpen?: string[] };
  const pumps = new Map<string, Identity>();
  for (const p of j.pumps) if (p.pump) pumps.set(p.pump.pumpId, p);
  return { site: j.site, gateway: j.gateway, observer: j.observer, pumps, legacyOpen: new Set(j.legacyOpen ?? []) };
}
