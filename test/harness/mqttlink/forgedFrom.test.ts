/**
 * Issue 13, item 1: a verdict no sender can fake. An anonymous client on a fleet with a legacy
 * (unauthenticated) pump writes `from: gateway` on a PAUSE and on a `TITRATE rate=25 override=1`
 * (above the soft limit). Both take effect on the legacy pump; the run must call them
 * unauthorised and an interrupted infusion, because the gateway never sent them, whatever the
 * payload says. In process and over aedes and mosquitto.
 */
import { describe, expect, it } from 'vitest';
import { generateCredentials } from '../../../src/harness/broker/credentials.js';
import { runScenario, type RunOptions } from '../../../src/harness/run/runScenario.js';
import { GLOBAL_RULES } from '../../../src/harness/safety/monitor.js';
import { fleetPumps } from '../../../src/harness/scenario/fleet.js';
import { commandsOf, infuse, MIN, ward } from '../run/helpers.js';
import { TARGETS } from './targets.js';

function attack() {
  return ward({
    name: 'forged',
    pumps: 1,
    groups: [{ type: 'lvp', count: 1, prefix: 'legacy', profile: 'legacy-unauthenticated', firmware: '0.9.2' }],
    outcome: 'violation',
    timeline: [
      ...infuse(),
      { at: '2m', action: 'remote', target: 'all', args: { command: 'TITRATE dose=16' } },
      { at: '5m', fault: 'rogue-client', target: 'all', args: { command: 'TITRATE rate=25 override=1', claim: 'gateway' } },
      { at: '10m', fault: 'rogue-client', target: 'legacy-1', args: { command: 'PAUSE', claim: 'gateway' } },
    ],
    expect: [{ check: 'no-unauthorised-change' }],
  });
}

async function check(options: RunOptions): Promise<void> {
  const { trace, world, result, mqtt } = await runScenario(attack(), options);
  const legacy = commandsOf(trace, 'legacy-1').filter((c) => c.auth !== 'local');
  // The gateway's own signed titration is the gateway's; the forged two are not, whatever they claim.
  expect(legacy.map((c) => [c.command, c.source, c.claimed, c.auth])).toEqual([
    ['TITRATE dose=16', 'gateway', undefined, 'accepted'],
    ['TITRATE rate=25 override=1', 'rogue', 'gateway', 'accepted'],
    ['PAUSE', 'rogue', 'gateway', 'accepted'],
  ]);
  expect(trace.toText()).toMatch(/cmd {2}legacy-1 from=rogue claimed=gateway auth=accepted PAUSE -> OK/);
  expect(world.pump('legacy-1').pump.state).toBe('PAUSED');
  // The secure pump refused the forged titration (unsigned); over MQTT the broker kept it away.
  if (mqtt) expect(mqtt.stats.rogueBlocked).toBe(1);
  expect(commandsOf(trace, 'u-1').filter((c) => c.claimed === 'gateway').map((c) => c.auth)).toEqual(mqtt ? [] : ['unsigned']);
  const unauthorised = result.violations.filter((v) => v.rule === GLOBAL_RULES.unauthorised);
  expect(unauthorised.map((v) => [v.pumpId, Math.floor(v.tMs / MIN)])).toEqual([
    ['legacy-1', 5],
    ['legacy-1', 10],
  ]);
  expect(result.violations.some((v) => v.rule === GLOBAL_RULES.infusionInterrupted && v.pumpId === 'legacy-1')).toBe(true);
  expect(result.expectations[0]).toMatchObject({ passed: false });
  expect(result.outcome).toBe('violation');
}

describe('a forged `from: gateway` (in process)', () => {
  it('is judged by what the gateway sent, not by the claim: violations on the legacy pump', async () => {
    await check({});
  });
});

describe.each(TARGETS)('a forged `from: gateway` over MQTT ($name)', (target) => {
  (target.available ? it : it.skip)('an anonymous client writing from: gateway is still unauthorised', async () => {
    const s = attack().scenario;
    const creds = generateCredentials('forged', fleetPumps(s).map((f) => ({ pumpId: f.id, unit: f.unit, profile: f.profile })));
    const broker = await target.start(creds, { anonymous: true });
    try {
      await check({ transport: { kind: 'mqtt', brokerUrl: broker.url, credentials: creds, site: 'forged', brokerControl: broker.control } });
    } finally {
      await broker.close();
    }
  }, 60_000);
});
