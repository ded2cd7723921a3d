/**
 * Every attack the harness injects, contained by a playbook (issue 17: "every attack kind has a
 * test where it is contained"): rogue-client (block-client, narrow-acl) and stolen-credential
 * (revoke-credential) in runner.test.ts, segment-scan (isolate-segment) in wardIntrusion.test.ts;
 * here a repeating scan stopped by block-client and a compromised gateway key stopped by taking its
 * targets off the network (standalone), a repeating broker flood and a repeating malicious firmware
 * offer and a repeated replay each stopped by block-client. The ward: test/harness/monitor/helpers.ts (links of exactly
 * 20 ms, baseline 10 min; unit u is u-1..u-3 on segment s).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/index.js';
import { LINK_MS, MIN, monitoredWard } from '../monitor/helpers.js';
import { commandsOf } from '../run/helpers.js';

const S = 1000;

describe('attacks contained by a playbook', () => {
  /**
   * The scanner pings u-1..u-3 every minute from 12m; unknown-client at 12m; block-client after
   * 90 s (13m30s): the pings of 12m and 13m reach u-1, none after. Time to contain 90 s.
   */
  it('segment-scan: blocking the scanner stops its pings', async () => {
    const { result, trace } = await runScenario(
      monitoredWard({
        timeline: [{ at: '12m', fault: 'segment-scan', target: 'unit:u', every: '1m', end: '25m' }],
        expect: [{ check: 'detect', attack: 'segment-scan', within: '0s' }, { check: 'contain', within: '90s' }],
        extra: { playbooks: [{ id: 'scan', trigger: { alerts: ['unknown-client'] }, steps: [{ role: 'it-security', action: 'block-client', target: 'scanner', takes: '90s' }] }] },
      }),
    );
    expect(commandsOf(trace, 'u-1').filter((c) => c.source === 'rogue').map((c) => c.tMs)).toEqual([12 * MIN + 20, 13 * MIN + 20]);
    expect(result.playbooks?.[0]).toMatchObject({ timeToDetectMs: 0, timeToContainMs: 90 * S });
    expect(result.outcome).toBe('pass');
  });

  /**
   * The gateway's key sends a signed BOLUS to u-1 every minute from 12m. command-rate's threshold
   * with no remote bolus in the baseline is max(4, floor(3 x 0) + 1) = 4: the 4th, at 15m, alerts
   * (medium): time to detect 3 min. Nursing takes u-1 off the network after 2 min (17m): the boluses
   * of 12m to 16m reach it, none after; its infusion goes on (each bolus waits for a person at the
   * pump and lapses) and its events arrive after the run. Time to contain 5 min from the attack's start.
   */
  it('compromised-gateway: standalone takes the pump out of the key\'s reach, and its infusion goes on', async () => {
    const { result, trace } = await runScenario(
      monitoredWard({
        timeline: [{ at: '12m', fault: 'compromised-gateway', target: 'u-1', every: '1m', end: '25m' }],
        expect: [{ check: 'contain', playbook: 'key', within: '5m' }, { check: 'infusions-interrupted', max: 0 }, { check: 'events-lost', max: 0 }, { check: 'events-exactly-once' }, { check: 'state', target: 'u-1', state: 'RUNNING' }],
        extra: { playbooks: [{ id: 'key', trigger: { alerts: ['command-rate'], severity: 'medium' }, steps: [{ role: 'nursing', action: 'standalone', target: 'u-1', takes: '2m' }] }] },
      }),
    );
    const boluses = commandsOf(trace, 'u-1').filter((c) => c.source === 'gateway' && c.command.startsWith('BOLUS')).map((c) => c.tMs);
    expect(boluses).toEqual([12, 13, 14, 15, 16].map((m) => m * MIN + 20));
    expect(result.playbooks?.[0]).toMatchObject({ trigger: { kind: 'command-rate', severity: 'medium', atMs: 15 * MIN }, attack: { what: 'compromised-gateway' }, timeToDetectMs: 3 * MIN, containedMs: 17 * MIN, timeToContainMs: 5 * MIN, pumpsAffected: 1 });
    expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
    expect(result.violations).toEqual([]);
  });

  /**
   * "flooder" sends 250 unsigned PINGs to unit u at 15m, 16m, ... 24m. message-flood fires at 15m
   * on its 200th message (test/harness/monitor/attacks.test.ts: threshold max(200, 5 x 0 + 1)).
   * IT security blocks the client after 90 s (16m30s): the floods of 15m and 16m reach the pumps
   * and each PING is refused (500 refusals, the last at 16m + 20 ms), the eight after it reach none.
   */
  it('broker-flood: blocking the flooder stops its floods', async () => {
    const { result, trace } = await runScenario(
      monitoredWard({
        timeline: [{ at: '15m', fault: 'broker-flood', target: 'unit:u', args: { count: 250 }, every: '1m', end: '25m' }],
        expect: [{ check: 'contain', within: '90s' }, { check: 'infusions-interrupted', max: 0 }, { check: 'events-exactly-once' }],
        extra: { playbooks: [{ id: 'flood', trigger: { alerts: ['message-flood'] }, steps: [{ role: 'it-security', action: 'block-client', target: 'flooder', takes: '90s' }] }] },
      }),
    );
    const refusals = trace.records.filter((r) => r.kind === 'pump' && r.event.type === 'REMOTE_REFUSED').map((r) => r.tMs);
    expect(refusals).toHaveLength(500);
    expect(new Set(refusals)).toEqual(new Set([15 * MIN + LINK_MS, 16 * MIN + LINK_MS]));
    expect(result.playbooks?.[0]).toMatchObject({ trigger: { kind: 'message-flood', atMs: 15 * MIN }, timeToDetectMs: 0, timeToContainMs: 90 * S });
    expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
  });

  /**
   * "rogue-updater" on s offers an unsigned image straight to u-1..u-3 at 15m, 16m, ... 24m: each
   * pump's comms module refuses the unsigned message, and firmware-offer alerts at 15m (the offer
   * as it is sent). Blocking the client after 2 min (17m): the offers of 15m and 16m reach the
   * pumps (6 refused), the eight after it reach none.
   */
  it('malicious-firmware: blocking the rogue updater stops its offers', async () => {
    const { result } = await runScenario(
      monitoredWard({
        timeline: [{ at: '15m', fault: 'malicious-firmware', target: 'unit:u', every: '1m', end: '25m' }],
        expect: [{ check: 'contain', within: '2m' }, { check: 'infusions-interrupted', max: 0 }],
        extra: { releases: [{ id: 'good', version: '1.1.0', sizeBytes: 32768 }], playbooks: [{ id: 'fw', trigger: { alerts: ['firmware-offer'] }, steps: [{ role: 'it-security', action: 'block-client', target: 'rogue-updater', takes: '2m' }] }] } as never,
      }),
    );
    expect(result.network.commandsRefused).toBe(6);
    expect(result.pumps.map((p) => p.firmware)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0', '1.0.0']);
    expect(result.playbooks?.[0]).toMatchObject({ trigger: { kind: 'firmware-offer', atMs: 15 * MIN }, timeToDetectMs: 0, timeToContainMs: 2 * MIN });
    expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
  });

  /**
   * The gateway titrates u-1 at 12m; from 15m a rogue replays that envelope every minute. replay
   * fires at 15m on the first copy; IT security blocks the client "rogue" after 90 s (16m30s): the
   * copies of 15m and 16m reach u-1 (each refused: its counter was used), none after.
   */
  it('rogue-client replaying a command: blocking the client stops the replays', async () => {
    const { result, trace } = await runScenario(
      monitoredWard({
        timeline: [
          { at: '12m', action: 'remote', target: 'u-1', args: { command: 'TITRATE dose=20' } },
          { at: '15m', fault: 'rogue-client', target: 'u-1', args: { replay: true }, every: '1m', end: '25m' },
        ],
        expect: [{ check: 'contain', within: '90s' }, { check: 'infusions-interrupted', max: 0 }],
        extra: { playbooks: [{ id: 'replay', trigger: { alerts: ['replay'] }, steps: [{ role: 'it-security', action: 'block-client', target: 'rogue', takes: '90s' }] }] },
      }),
    );
    expect(commandsOf(trace, 'u-1').filter((c) => c.source === 'rogue').map((c) => c.tMs)).toEqual([15 * MIN + LINK_MS, 16 * MIN + LINK_MS]);
    expect(result.playbooks?.[0]).toMatchObject({ trigger: { kind: 'replay', atMs: 15 * MIN }, timeToDetectMs: 0, timeToContainMs: 90 * S });
    expect(result.expectations.filter((e) => !e.passed)).toEqual([]);
  });
});

