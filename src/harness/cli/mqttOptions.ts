/** The command-line side of the MQTT transport: flags shared by `infusim run` and `infusim fleet`. */
import { InvalidArgumentError, type Command } from 'commander';
import { accessSync, constants, readFileSync } from 'node:fs';
import { credentialsFromJson } from '../broker/credentials.js';
import { dynsecProvisioner, readBrokerAdmin } from '../broker/dynsec.js';
import { findMosquitto, startMosquittoForRun } from '../broker/mosquitto.js';
import { portOption } from './portOptions.js';
import type { MqttRunInfo, MqttTransport, TransportOption } from '../mqttlink/transport.js';

export interface TransportFlags {
  transport?: string;
  broker?: string;
  brokerPort?: number;
  ca?: string;
  credentials?: string;
  brokerAdmin?: string;
  /** --mosquitto (true) or --mosquitto <bin> */
  mosquitto?: string | boolean;
}

export const MOSQUITTO_PACKAGE_HINT = 'install the Debian package `mosquitto` (apt-get install mosquitto), or name the binary: --mosquitto /path/to/mosquitto';

/** One broker URL, or an external cluster's nodes separated by commas (docs/scale.md). */
export function parseBrokerUrl(text: string): string {
  for (const one of text.split(',')) parseOneBrokerUrl(one.trim());
  return text;
}

function parseOneBrokerUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new InvalidArgumentError(`--broker is a URL like mqtt://host:1883 or mqtts://host:8883 (got "${text}")`);
  }
  if (u.protocol !== 'mqtt:' && u.protocol !== 'mqtts:') throw new InvalidArgumentError(`--broker: mqtt:// or mqtts:// (got "${u.protocol}//")`);
  if (u.username || u.password) throw new InvalidArgumentError('--broker: no credentials in the URL; each pump has its own (--credentials file)');
  return text;
}

export function addTransportFlags(cmd: Command, withTransport: boolean): Command {
  if (withTransport) cmd.option('--transport <inproc|mqtt>', 'inproc: the in-process network (default); mqtt: every message crosses a real MQTT broker (docs/mqtt.md)');
  return cmd
    .option('--broker <url>', 'an external broker (mqtt://host:port or mqtts://host:port) instead of the embedded one; a cluster: its nodes\' URLs separated by commas (pumps spread over them)', parseBrokerUrl)
    .option('--broker-port <n>', 'port of the embedded broker on 127.0.0.1 (default: a free port)', portOption('--broker-port', 'listen'))
    .option('--ca <file>', 'CA certificate (PEM) for an mqtts:// broker')
    .option('--credentials <file>', 'the per-pump and gateway credentials the external broker was provisioned with (infusim fleet --write-credentials)')
    .option('--broker-admin <file>', 'JSON { "username", "password" } of a mosquitto dynamic security admin: the run provisions its own credentials on the --broker and removes them at the end (no --credentials needed)')
    .option('--mosquitto [bin]', 'start Debian\'s mosquitto as the run\'s broker (127.0.0.1, a free port or --broker-port, the run\'s credentials and ACLs); a gateway outage kills and restarts it');
}

/** The run's transport from the flags, or an error message for the user. */
export function transportFromFlags(f: TransportFlags, log?: (line: string) => void): TransportOption | string {
  const mosquitto = f.mosquitto !== undefined && f.mosquitto !== false;
  const kind = f.transport ?? (f.broker !== undefined || mosquitto ? 'mqtt' : 'inproc');
  if (kind === 'inproc') {
    if (f.broker !== undefined || f.brokerPort !== undefined || mosquitto) return '--broker, --broker-port and --mosquitto need --transport mqtt';
    return { kind: 'inproc' };
  }
  if (kind !== 'mqtt') return `--transport is inproc or mqtt (got "${kind}")`;
  if (mosquitto && f.broker !== undefined) return '--mosquitto starts the run\'s own broker; --broker names someone else\'s: one or the other';
  if (f.broker !== undefined && f.brokerPort !== undefined) return '--broker-port is for the embedded broker or --mosquitto; an external one is named by --broker';
  if (f.brokerAdmin !== undefined && f.broker?.includes(',')) return '--broker-admin provisions one mosquitto: name one --broker URL (a cluster of several is provisioned by its owner, --credentials <file>)';
  if (f.brokerAdmin !== undefined && f.broker === undefined) return '--broker-admin provisions an external broker: name it with --broker mqtt://host:port';
  if (f.broker !== undefined && f.credentials === undefined && f.brokerAdmin === undefined) return 'an external broker needs the credentials it was provisioned with: --credentials <file> (write them with infusim fleet <scenario> --write-credentials <dir>), or a dynamic security admin to provision it: --broker-admin <file>';
  if (f.ca !== undefined && !f.broker?.split(',').some((u) => u.trim().startsWith('mqtts:'))) return '--ca goes with an mqtts:// broker';
  let credentials;
  if (f.credentials !== undefined) {
    try {
      credentials = credentialsFromJson(readFileSync(f.credentials, 'utf8'));
    } catch (e) {
      return `--credentials ${f.credentials}: ${(e as Error).message}`;
    }
  }
  const urls = f.broker?.split(',').map((u) => u.trim());
  const t: MqttTransport = { kind: 'mqtt', brokerUrl: urls?.[0], ...(urls && urls.length > 1 ? { brokerUrls: urls } : {}), brokerPort: f.brokerPort, caFile: f.ca, credentials, site: credentials?.site, log };
  if (f.brokerAdmin !== undefined && f.broker !== undefined) {
    let admin;
    try {
      admin = readBrokerAdmin(f.brokerAdmin);
    } catch (e) {
      return `--broker-admin ${(e as Error).message}`;
    }
    const hooks = dynsecProvisioner({ url: f.broker, admin, caFile: f.ca });
    Object.assign(t, hooks, { brokerName: 'external, provisioned through dynamic security' });
  }
  if (mosquitto) {
    const bin = typeof f.mosquitto === 'string' ? f.mosquitto : findMosquitto();
    if (bin === undefined) return `--mosquitto: mosquitto is not installed: ${MOSQUITTO_PACKAGE_HINT}`;
    try {
      accessSync(bin, constants.X_OK);
    } catch {
      return `--mosquitto ${bin}: no such executable: ${MOSQUITTO_PACKAGE_HINT}`;
    }
    const port = f.brokerPort;
    t.startBroker = (c) => startMosquittoForRun(c, { bin, port });
  }
  return t;
}

/** One paragraph for the terminal summary. */
export function formatMqttSummary(m: MqttRunInfo): string {
  const s = m.stats;
  return [
    `MQTT (${m.broker}, ${m.url})`,
    `  published ${s.published}, received ${s.received}, malformed rejected ${s.malformed}`,
    `  telemetry coalesced while offline ${s.telemetryCoalesced}, held offline (kept in outboxes) ${s.heldOffline}`,
    `  broker kills ${s.brokerKills}, ${s.brokerDeaths ? `BROKER DIED (unplanned) ${s.brokerDeaths} time(s), restarted, ` : ''}${s.brokerNodeDeaths ? `broker nodes died ${s.brokerNodeDeaths} (their clients moved to other nodes), ` : ''}connection cuts ${s.connectionCuts}, reconnects ${s.reconnects}, rogue publishes blocked ${s.rogueBlocked}`,
    ...(s.reconnectStorms > 0 ? [`  reconnect storms ${s.reconnectStorms}, pump connections dropped by them ${s.stormDrops}`] : []),
    ...(m.brokerCounters ? [`  broker refused: connections ${m.brokerCounters.connectionsRefused}, client-id takeovers ${m.brokerCounters.takeoversRefused}, oversize packets ${m.brokerCounters.oversizeRefused}, publishes ${m.brokerCounters.publishesDenied}, subscriptions ${m.brokerCounters.subscriptionsDenied}`] : []),
    ...(s.barrierTimeouts > 0 ? [`  messages that never arrived (barrier timeouts) ${s.barrierTimeouts}`] : []),
    ...(s.linkProxyPumps + s.linkProxyOverLimit > 0 ? [`  link proxy: ${s.linkProxyPumps} pumps, frames delayed ${s.framesDelayed}, dropped ${s.framesDropped}, duplicated ${s.framesDuplicated}${s.linkProxyOverLimit > 0 ? `; ${s.linkProxyOverLimit} pumps over its limit connected directly, without link conditions` : ''}`] : []),
  ].join('\n');
}
