/**
 * `infusim fleet`: only the pumps of a scenario, on a broker, so a user's own gateway, dashboard
 * or integration engine is the system under test. The contract is docs/mqtt.md and contracts/.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTLE_MS } from '../ward/ward.js';
import { fleetPumps } from '../scenario/fleet.js';
import { loadOrExit2 } from './options.js';
import { loadScenarioFile, type LoadedScenario } from '../scenario/load.js';
import { addTransportFlags, formatMqttSummary, transportFromFlags, type TransportFlags } from './mqttOptions.js';
import { credentialsToJson, generateCredentials, type Credentials } from '../broker/credentials.js';
import { mosquittoAcl } from '../broker/mosquitto.js';
import { assertTopicLevel, siteLevel } from '../contract/topics.js';
import type { MqttRunInfo, MqttTransport } from '../mqttlink/transport.js';
import { inShard, parseShard, shardOf, type Shard } from '../scenario/shard.js';

function shardOption(text: string): Shard {
  const s = parseShard(text);
  if (typeof s === 'string') throw new InvalidArgumentError(s);
  return s;
}

type Speed = 'max' | number;

/**
 * Runs a scenario with the ward builder (src/harness/run/runScenario.ts, which builds the same
 * ward as infusim run). cli/main.ts passes it in: run/ uses mqtt/ as its transport, so mqtt/ does
 * not import run/ (no import cycle between the folders).
 */
export type RunFleetScenario = (
  loaded: LoadedScenario,
  options: { speed: Speed; transport: MqttTransport; runsPump?: (index: number) => boolean; onProgress: (p: { tMs: number; totalMs: number; activeAlarms: number }) => void },
) => Promise<{ result: { pumps: readonly unknown[]; network: { eventsSent: number }; scenario: { durationMs: number } }; mqtt?: MqttRunInfo | undefined }>;

interface FleetOpts extends TransportFlags {
  speed: Speed;
  shard?: Shard;
  site?: string;
  writeCredentials?: string;
}

function parseSpeed(text: string): Speed {
  if (text === 'max') return 'max';
  const m = /^(\d+(\.\d+)?)x$/.exec(text);
  if (!m || !(Number(m[1]) > 0)) throw new InvalidArgumentError(`--speed is max or a factor like 1x, 10x (got "${text}")`);
  return Number(m[1]);
}

/** Write a fleet's credentials (JSON, for infusim) and the matching mosquitto password and ACL files. */
export function writeFleetCredentials(dir: string, c: Credentials): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = [join(dir, 'credentials.json'), join(dir, 'mosquitto.passwd'), join(dir, 'mosquitto.acl')];
  const [json, passwd, acl] = files as [string, string, string];
  writeFileSync(json, credentialsToJson(c), { mode: 0o600 });
  // Plain text: hash it in place with `mosquitto_passwd -U mosquitto.passwd` before use.
  writeFileSync(passwd, [c.gateway, c.observer, ...c.pumps.values()].map((i) => `${i.username}:${i.password}`).join('\n') + '\n', { mode: 0o600 });
  writeFileSync(acl, mosquittoAcl(c), { mode: 0o600 });
  return files;
}

export function registerFleet(program: Command, runScenario: RunFleetScenario): void {
  const cmd = program
    .command('fleet')
    .description('only the pumps of a scenario, on an MQTT broker: your own gateway, dashboard or integration engine is the system under test (docs/mqtt.md)')
    .argument('<scenario.yaml>', 'scenario file: its site, pumps, patients and timeline (the gateway is yours)')
    .option('--speed <max|Nx>', 'virtual time against the wall clock (default 1x: real time)', parseSpeed, 1 as Speed)
    .option('--shard <k/N>', "run only shard k of N: pump i of the scenario's order (from 0) is in shard (i mod N) + 1 (docs/scale.md)", shardOption)
    .option('--site <name>', 'site level of the topic tree (default: from the scenario name)')
    .option('--write-credentials <dir>', 'write credentials.json, mosquitto.passwd and mosquitto.acl for this fleet, then exit');
  addTransportFlags(cmd, false).action(async (file: string, opts: FleetOpts) => {
    const loaded = loadOrExit2(loadScenarioFile, file);
    if (!loaded) return;
    const s = loaded.scenario;
    const site = assertTopicLevel('site', opts.site ?? siteLevel(s.name));
    if (opts.writeCredentials !== undefined) {
      const c = generateCredentials(site, fleetPumps(s).map((f) => ({ pumpId: f.id, unit: f.unit, profile: f.profile })));
      for (const f of writeFleetCredentials(opts.writeCredentials, c)) process.stdout.write(`wrote ${f}\n`);
      process.stdout.write('Keep them private. For mosquitto: mosquitto_passwd -U mosquitto.passwd, then password_file and acl_file in its config.\n');
      return;
    }
    const transport = transportFromFlags({ ...opts, transport: 'mqtt' }, (l) => process.stderr.write(`mqtt: ${l}\n`));
    if (typeof transport === 'string' || transport.kind !== 'mqtt') {
      process.stderr.write(`infusim fleet: ${typeof transport === 'string' ? transport : 'needs MQTT'}\n`);
      process.exitCode = 2;
      return;
    }
    let creds = transport.credentials;
    if (!creds) {
      // The embedded broker: fresh credentials, written where the user's gateway can read them.
      creds = generateCredentials(site, fleetPumps(s).map((f) => ({ pumpId: f.id, unit: f.unit, profile: f.profile })));
      const dir = join(process.cwd(), `.infusim-fleet-${site}`);
      writeFleetCredentials(dir, creds);
      process.stderr.write(`infusim fleet: credentials for your gateway (user ${creds.gateway.username}) in ${join(dir, 'credentials.json')}\n`);
    }
    const shard = opts.shard;
    const all = fleetPumps(s).length;
    const here = shard ? `${shardOf(fleetPumps(s), shard).length} of ${all} pumps (shard ${shard.k}/${shard.n})` : `${all} pumps`;
    process.stderr.write(`infusim fleet ${s.name}: ${here} under infusim/v1/${creds.site}/..., speed ${opts.speed === 'max' ? 'max' : `${opts.speed}x`}\n`);
    let lastTenMin = -1;
    const run = await runScenario(loaded, {
      speed: opts.speed,
      ...(shard ? { runsPump: (i: number) => inShard(i, shard) } : {}),
      transport: { ...transport, credentials: creds, site: creds.site, externalGateway: true, log: (l) => process.stderr.write(`mqtt: ${l}\n`) },
      onProgress: (p) => {
        // After the scenario's end the run goes on (at most SETTLE_MS) only to drain the pumps' outboxes: not counted as scenario time.
        const tenMin = Math.floor(p.tMs / 600_000);
        if (p.tMs > p.totalMs || tenMin === lastTenMin) return;
        lastTenMin = tenMin;
        process.stderr.write(`  t=${tenMin * 10} of ${Math.round(p.totalMs / 60_000)} min, ${p.activeAlarms} alarms active\n`);
      },
    });
    const r = run.result;
    process.stdout.write(`infusim fleet${shard ? ` (shard ${shard.k}/${shard.n})` : ''}: ${r.pumps.length} pumps, ${r.network.eventsSent} events sent over ${Math.round(r.scenario.durationMs / 60_000)} min of the scenario (then up to ${SETTLE_MS / 60_000} min for the pumps' outboxes to drain)\n`);
    if (run.mqtt) process.stdout.write(formatMqttSummary(run.mqtt) + '\n');
  });
}
