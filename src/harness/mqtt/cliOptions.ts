/** The command-line side of the MQTT transport: flags shared by `infusim run` and `infusim fleet`. */
import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { credentialsFromJson } from './credentials.js';
import type { MqttRunInfo, TransportOption } from './transport.js';

export interface TransportFlags {
  transport?: string;
  broker?: string;
  brokerPort?: number;
  ca?: string;
  credentials?: string;
}

export function parsePort(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`a TCP port is 1..65535 (got "${text}")`);
  return n;
}

export function parseBrokerUrl(text: string): string {
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
    .option('--broker <url>', 'an external broker (mqtt://host:port or mqtts://host:port) instead of the embedded one', parseBrokerUrl)
    .option('--broker-port <n>', 'port of the embedded broker on 127.0.0.1 (default: a free port)', parsePort)
    .option('--ca <file>', 'CA certificate (PEM) for an mqtts:// broker')
    .option('--credentials <file>', 'the per-pump and gateway credentials the external broker was provisioned with (infusim fleet --write-credentials)');
}

/** The run's transport from the flags, or an error message for the user. */
export function transportFromFlags(f: TransportFlags, log?: (line: string) => void): TransportOption | string {
  const kind = f.transport ?? (f.broker !== undefined ? 'mqtt' : 'inproc');
  if (kind === 'inproc') {
    if (f.broker !== undefined || f.brokerPort !== undefined) return '--broker and --broker-port need --transport mqtt';
    return { kind: 'inproc' };
  }
  if (kind !== 'mqtt') return `--transport is inproc or mqtt (got "${kind}")`;
  if (f.broker !== undefined && f.brokerPort !== undefined) return '--broker-port is for the embedded broker; an external one is named by --broker';
  if (f.broker !== undefined && f.credentials === undefined) return 'an external broker needs the credentials it was provisioned with: --credentials <file> (write them with infusim fleet <scenario> --write-credentials <dir>)';
  if (f.ca !== undefined && !f.broker?.startsWith('mqtts:')) return '--ca goes with an mqtts:// broker';
  let credentials;
  if (f.credentials !== undefined) {
    try {
      credentials = credentialsFromJson(readFileSync(f.credentials, 'utf8'));
    } catch (e) {
      return `--credentials ${f.credentials}: ${(e as Error).message}`;
    }
  }
  return { kind: 'mqtt', brokerUrl: f.broker, brokerPort: f.brokerPort, caFile: f.ca, credentials, site: credentials?.site, log };
}

/** One paragraph for the terminal summary. */
export function formatMqttSummary(m: MqttRunInfo): string {
  const s = m.stats;
  return [
    `MQTT (${m.broker}, ${m.url})`,
    `  published ${s.published}, received ${s.received}, malformed rejected ${s.malformed}`,
    `  telemetry coalesced while offline ${s.telemetryCoalesced}, held offline (kept in outboxes) ${s.heldOffline}`,
    `  broker kills ${s.brokerKills}, connection cuts ${s.connectionCuts}, reconnects ${s.reconnects}, rogue publishes blocked ${s.rogueBlocked}`,
    ...(s.reconnectStorms > 0 ? [`  reconnect storms ${s.reconnectStorms}, pump connections dropped by them ${s.stormDrops}`] : []),
    ...(m.brokerCounters ? [`  broker refused: connections ${m.brokerCounters.connectionsRefused}, publishes ${m.brokerCounters.publishesDenied}, subscriptions ${m.brokerCounters.subscriptionsDenied}`] : []),
    ...(s.barrierTimeouts > 0 ? [`  messages that never arrived (barrier timeouts) ${s.barrierTimeouts}`] : []),
    ...(s.linkProxyPumps + s.linkProxyOverLimit > 0 ? [`  link proxy: ${s.linkProxyPumps} pumps, frames delayed ${s.framesDelayed}, dropped ${s.framesDropped}, duplicated ${s.framesDuplicated}${s.linkProxyOverLimit > 0 ? `; ${s.linkProxyOverLimit} pumps over its limit connected directly, without link conditions` : ''}`] : []),
  ].join('\n');
}
