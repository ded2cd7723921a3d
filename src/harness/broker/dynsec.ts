/**
 * Provisioning a running mosquitto (2.x) through its dynamic security plugin: for a run's
 * credentials, one dynsec client per pump, the gateway and the observer, each bound to its client
 * id and given one role whose ACLs are the rules of acl.ts (deny by default), and, for a
 * legacy-unauthenticated pump, a role on the broker's anonymous group. Commands are JSON published
 * to `$CONTROL/dynamic-security/v1`, in batches; the plugin answers on
 * `$CONTROL/dynamic-security/v1/response` (mosquitto's plugins/dynamic-security/README.md), and any
 * error it returns fails the run with its text. At the end of the run the same clients and roles are
 * removed.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { Credentials, Identity } from './credentials.js';
import { DOWN_LEAVES, pumpTopic, TOPIC_ROOT, UP_LEAVES } from '../contract/topics.js';

/**
 * mqtt.js, loaded when a session opens: the CLI's option parsing imports this file (--broker-admin),
 * and a run that provisions nothing should not pay for loading the MQTT client.
 */
async function loadMqtt(): Promise<typeof import('mqtt').default> {
  return (await import('mqtt')).default;
}

export const DYNSEC_TOPIC = '$CONTROL/dynamic-security/v1';
export const DYNSEC_RESPONSE_TOPIC = `${DYNSEC_TOPIC}/response`;
/** The anonymous group infusim creates when the broker has none (kept: a broker can only name one). */
export const INFUSIM_ANONYMOUS_GROUP = 'infusim.anonymous';
/** Commands per message: one answer per message, and the plugin saves its file once per message. */
export const DYNSEC_BATCH = 200;
const ANSWER_TIMEOUT_MS = 10_000;

/** A dynsec admin (`mosquitto_ctrl dynsec init <file> <username> <password>`). */
export interface BrokerAdmin {
  username: string;
  password: string;
}

export interface DynsecTarget {
  /** mqtt://host:port or mqtts://host:port */
  url: string;
  admin: BrokerAdmin;
  /** CA certificate (PEM) for mqtts:// */
  caFile?: string | undefined;
}

/** The ACL types of the plugin (mosquitto_ctrl dynsec help). */
export type AclType = 'publishClientSend' | 'publishClientReceive' | 'subscribeLiteral' | 'subscribePattern';

export interface DynsecAcl {
  acltype: AclType;
  topic: string;
  priority: number;
  allow: boolean;
}

export interface DynsecRole {
  rolename: string;
  acls: DynsecAcl[];
}

export type DynsecCommand = { command: string } & Record<string, unknown>;

interface DynsecResponse {
  command: string;
  error?: string;
  data?: unknown;
  correlationData?: string;
}

const ALLOW = 10;
const DENY_ALL = 0;

/**
 * Deny by default inside the role itself, whatever the broker's default ACL access says: these
 * match everything the allows above them did not (higher priority is evaluated first). `#` does not
 * match `$` topics, which the broker's defaults deny to non-admins.
 */
const DENY_REST: DynsecAcl[] = [
  { acltype: 'publishClientSend', topic: '#', priority: DENY_ALL, allow: false },
  { acltype: 'publishClientReceive', topic: '#', priority: DENY_ALL, allow: false },
  { acltype: 'subscribePattern', topic: '#', priority: DENY_ALL, allow: false },
];

const allow = (acltype: AclType, topic: string): DynsecAcl => ({ acltype, topic, priority: ALLOW, allow: true });

/** The role of one identity: its name and the ACLs of acl.ts for it. */
export function roleFor(c: Credentials, id: Identity): DynsecRole {
  const site = `${TOPIC_ROOT}/${c.site}`;
  const acls: DynsecAcl[] = [];
  switch (id.role) {
    case 'pump': {
      if (!id.pump) throw new Error(`pump identity ${id.username} has no topic address`);
      for (const l of UP_LEAVES) acls.push(allow('publishClientSend', pumpTopic(id.pump, l)));
      // Exactly its own two topics: a literal subscription, no pattern.
      for (const l of DOWN_LEAVES) acls.push(allow('subscribeLiteral', pumpTopic(id.pump, l)), allow('publishClientReceive', pumpTopic(id.pump, l)));
      break;
    }
    case 'gateway':
      for (const l of DOWN_LEAVES) acls.push(allow('publishClientSend', `${site}/+/+/${l}`));
      // A pattern: `site/+/+/events` and any one pump's `site/u/p/events`, never `#`.
      for (const l of UP_LEAVES) acls.push(allow('subscribePattern', `${site}/+/+/${l}`), allow('publishClientReceive', `${site}/+/+/${l}`));
      break;
    case 'observer':
      acls.push(allow('subscribePattern', `${site}/#`), allow('publishClientReceive', `${site}/#`));
      break;
  }
  return { rolename: `infusim.${c.site}.${id.username}`, acls: [...acls, ...DENY_REST] };
}

/** The role given to anonymous clients for this run: only the legacy pumps' command topics. */
export function legacyRole(c: Credentials): DynsecRole | undefined {
  if (c.legacyOpen.size === 0) return undefined;
  const acls: DynsecAcl[] = [];
  for (const pumpId of [...c.legacyOpen].sort()) {
    const p = c.pumps.get(pumpId)?.pump;
    if (p) acls.push(allow('publishClientSend', pumpTopic(p, 'cmd')));
  }
  return { rolename: `infusim.${c.site}.legacy-anonymous`, acls: [...acls, ...DENY_REST] };
}

function identities(c: Credentials): Identity[] {
  return [c.gateway, c.observer, ...c.pumps.values()];
}

/** The commands that create the run's roles and clients (roles first: a client names its role). */
export function provisionCommands(c: Credentials): DynsecCommand[] {
  const ids = identities(c);
  return [
    ...ids.map((id) => ({ command: 'createRole', ...roleFor(c, id) })),
    ...ids.map((id) => ({ command: 'createClient', username: id.username, password: id.password, clientid: id.clientId, roles: [{ rolename: roleFor(c, id).rolename, priority: 1 }] })),
  ];
}

/** The commands that remove them (clients first: a role in use stays referenced). */
export function deprovisionCommands(c: Credentials): DynsecCommand[] {
  const ids = identities(c);
  return [...ids.map((id) => ({ command: 'deleteClient', username: id.username })), ...ids.map((id) => ({ command: 'deleteRole', rolename: roleFor(c, id).rolename }))];
}

/** The command that undoes one that succeeded, for a provisioning that failed half-way. */
function undo(cmd: DynsecCommand): DynsecCommand | undefined {
  if (cmd.command === 'createClient') return { command: 'deleteClient', username: cmd.username };
  if (cmd.command === 'createRole') return { command: 'deleteRole', rolename: cmd.rolename };
  if (cmd.command === 'addGroupRole') return { command: 'removeGroupRole', groupname: cmd.groupname, rolename: cmd.rolename };
  return undefined;
}

function label(cmd: DynsecCommand): string {
  const what = cmd.username ?? cmd.rolename ?? cmd.groupname;
  return typeof what === 'string' ? `${cmd.command} ${what}` : cmd.command;
}

/** A dynsec admin file: `{ "username": "...", "password": "..." }`; errors say where and why. */
export function parseBrokerAdmin(text: string, where: string): BrokerAdmin {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message}); expected { "username": "...", "password": "..." } of a dynamic security admin`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new Error(`${where}: expected an object { "username": "...", "password": "..." }`);
  const o = j as Record<string, unknown>;
  for (const k of ['username', 'password'] as const) {
    if (typeof o[k] !== 'string' || o[k] === '') throw new Error(`${where}: "${k}" must be a non-empty string`);
  }
  const extra = Object.keys(o).filter((k) => k !== 'username' && k !== 'password');
  if (extra.length > 0) throw new Error(`${where}: unknown key${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')} (only "username" and "password")`);
  return { username: o.username as string, password: o.password as string };
}

export function readBrokerAdmin(path: string): BrokerAdmin {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseBrokerAdmin(text, path);
}

/** One admin connection to the plugin: send batches of commands, get the answers in order. */
export class DynsecSession {
  private readonly waiting = new Map<string, (r: DynsecResponse[]) => void>();
  private batches = 0;

  private constructor(private readonly client: MqttClient, private readonly url: string) {
    client.on('message', (topic, payload) => {
      if (topic !== DYNSEC_RESPONSE_TOPIC) return;
      let responses: DynsecResponse[];
      try {
        responses = (JSON.parse(payload.toString()) as { responses?: DynsecResponse[] }).responses ?? [];
      } catch {
        return;
      }
      const id = responses[0]?.correlationData?.split('#')[0];
      const done = id === undefined ? undefined : this.waiting.get(id);
      if (id !== undefined && done) {
        this.waiting.delete(id);
        done(responses);
      }
    });
  }

  static async open(t: DynsecTarget): Promise<DynsecSession> {
    let client: MqttClient;
    try {
      client = await (await loadMqtt()).connectAsync(t.url, {
        // Its own client id: admin connections of parallel runs must not take over each other's session.
        clientId: `infusim-dynsec-${randomBytes(6).toString('hex')}`,
        username: t.admin.username,
        password: t.admin.password,
        protocolVersion: 4,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: 30_000,
        ...(t.caFile ? { ca: readFileSync(t.caFile) } : {}),
      });
    } catch (e) {
      throw new Error(`dynamic security admin "${t.admin.username}" could not connect to ${t.url}: ${(e as Error).message}`);
    }
    const s = new DynsecSession(client, t.url);
    try {
      await client.subscribeAsync(DYNSEC_RESPONSE_TOPIC, { qos: 1 });
    } catch (e) {
      await client.endAsync(true);
      throw new Error(`${t.url}: "${t.admin.username}" may not subscribe to ${DYNSEC_RESPONSE_TOPIC} (${(e as Error).message}): not a dynamic security admin, or the plugin is not loaded`);
    }
    return s;
  }

  /** Run the commands in batches; one answer per command, in order. */
  async run(commands: readonly DynsecCommand[]): Promise<{ command: DynsecCommand; response: DynsecResponse }[]> {
    const out: { command: DynsecCommand; response: DynsecResponse }[] = [];
    for (let i = 0; i < commands.length; i += DYNSEC_BATCH) {
      const batch = commands.slice(i, i + DYNSEC_BATCH);
      const id = `infusim-${process.pid}-${++this.batches}-${randomBytes(4).toString('hex')}`;
      const answer = new Promise<DynsecResponse[]>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiting.delete(id);
          reject(new Error(`${this.url}: no answer on ${DYNSEC_RESPONSE_TOPIC} within ${ANSWER_TIMEOUT_MS / 1000} s; is mosquitto's dynamic security plugin loaded (plugin .../mosquitto_dynamic_security.so), and may this admin publish to ${DYNSEC_TOPIC}?`));
        }, ANSWER_TIMEOUT_MS);
        this.waiting.set(id, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
      });
      await this.client.publishAsync(DYNSEC_TOPIC, JSON.stringify({ commands: batch.map((c, k) => ({ ...c, correlationData: `${id}#${k}` })) }), { qos: 1 });
      const responses = await answer;
      batch.forEach((command, k) => out.push({ command, response: responses.find((r) => r.correlationData === `${id}#${k}`) ?? { command: command.command, error: 'no answer for this command' } }));
    }
    return out;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

function errors(results: { command: DynsecCommand; response: DynsecResponse }[]): string[] {
  return results.filter((r) => r.response.error !== undefined).map((r) => `${label(r.command)}: ${r.response.error}`);
}

function fail(url: string, what: string, errs: string[]): Error {
  const shown = errs.slice(0, 5).join('; ') + (errs.length > 5 ? `; and ${errs.length - 5} more` : '');
  const hint = errs.some((e) => /already exists/i.test(e)) ? ' (left over from a run that did not finish? remove them with mosquitto_ctrl dynsec deleteClient / deleteRole)' : '';
  return new Error(`${what} on ${url} through dynamic security failed: ${shown}${hint}`);
}

/** Does the broker let a client in without a user name? */
async function allowsAnonymous(t: DynsecTarget): Promise<boolean> {
  try {
    const c = await (await loadMqtt()).connectAsync(t.url, { clientId: `infusim-probe-${randomBytes(6).toString('hex')}`, protocolVersion: 4, clean: true, reconnectPeriod: 0, connectTimeout: 30_000, ...(t.caFile ? { ca: readFileSync(t.caFile) } : {}) });
    await c.endAsync(true);
    return true;
  } catch {
    return false;
  }
}

async function anonymousGroup(s: DynsecSession, url: string): Promise<string> {
  const [r] = await s.run([{ command: 'getAnonymousGroup' }]);
  const e = r ? errors([r]) : ['getAnonymousGroup: no answer'];
  if (e.length > 0) throw fail(url, 'reading the anonymous group', e);
  return ((r?.response.data as { group?: { groupname?: string } } | undefined)?.group?.groupname ?? '').trim();
}

/**
 * Create the run's clients and roles. On any error, what this call created is removed again and
 * the error names each failed command with the plugin's text.
 */
export async function provisionDynsec(t: DynsecTarget, c: Credentials): Promise<void> {
  const legacy = legacyRole(c);
  if (legacy && !(await allowsAnonymous(t))) {
    throw new Error(`${t.url} refuses anonymous clients: pump${c.legacyOpen.size > 1 ? 's' : ''} ${[...c.legacyOpen].join(', ')} on the legacy-unauthenticated profile leave their command topic open to them, which this broker cannot model (allow_anonymous false); use a broker with allow_anonymous true, the embedded broker or --mosquitto`);
  }
  const s = await DynsecSession.open(t);
  try {
    const commands = provisionCommands(c);
    if (legacy) {
      let group = await anonymousGroup(s, t.url);
      if (group === '') {
        // No anonymous group yet: create infusim's (it may exist from an earlier run) and name it.
        group = INFUSIM_ANONYMOUS_GROUP;
        const made = await s.run([{ command: 'createGroup', groupname: group }]);
        const e = errors(made).filter((x) => !/already exists/i.test(x));
        const set = e.length === 0 ? await s.run([{ command: 'setAnonymousGroup', groupname: group }]) : [];
        if (e.length > 0 || errors(set).length > 0) throw fail(t.url, 'setting up the anonymous group', [...e, ...errors(set)]);
      }
      commands.push({ command: 'createRole', ...legacy }, { command: 'addGroupRole', groupname: group, rolename: legacy.rolename, priority: 1 });
    }
    const results = await s.run(commands);
    const errs = errors(results);
    if (errs.length > 0) {
      const back = results
        .filter((r) => r.response.error === undefined)
        .map((r) => undo(r.command))
        .filter((u): u is DynsecCommand => u !== undefined)
        .reverse();
      await s.run(back).catch(() => undefined);
      throw fail(t.url, `provisioning ${c.pumps.size} pumps, the gateway and the observer of site ${c.site}`, errs);
    }
  } finally {
    await s.close();
  }
}

/** Remove the run's clients and roles (and its role on the anonymous group). Every command is tried. */
export async function deprovisionDynsec(t: DynsecTarget, c: Credentials): Promise<void> {
  const s = await DynsecSession.open(t);
  try {
    const commands = deprovisionCommands(c);
    const legacy = legacyRole(c);
    if (legacy) {
      const group = await anonymousGroup(s, t.url);
      if (group !== '') commands.unshift({ command: 'removeGroupRole', groupname: group, rolename: legacy.rolename });
      commands.push({ command: 'deleteRole', rolename: legacy.rolename });
    }
    const errs = errors(await s.run(commands));
    if (errs.length > 0) throw fail(t.url, `removing site ${c.site}'s clients and roles`, errs);
  } finally {
    await s.close();
  }
}

/** The transport's provision and deprovision hooks for a dynsec broker. */
export function dynsecProvisioner(t: DynsecTarget): { provision: (c: Credentials) => Promise<void>; deprovision: (c: Credentials) => Promise<void> } {
  return { provision: (c) => provisionDynsec(t, c), deprovision: (c) => deprovisionDynsec(t, c) };
}
