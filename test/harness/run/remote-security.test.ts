/**
 * Remote commands and their authentication: the gateway's signed commands change a therapy;
 * unsigned, forged, replayed and stale ones are refused with their verdict in the trace; a
 * legacy-unauthenticated pump obeys a rogue client and the run reports it.
 */
import { describe, expect, it } from 'vitest';
import { GLOBAL_RULES, runScenario } from '../../../src/index.js';
import { commandsOf, HEPARIN_RATE, infuse, MIN, pumpEvents, stateAt, ward } from './helpers.js';

describe('action: remote', () => {
  it('a signed command from the gateway is accepted and changes the therapy; signed: false is refused as unsigned', async () => {
    const { trace, world, result } = await runScenario(
      ward({
        pumps: 2,
        timeline: [
          ...infuse(),
          { at: '5m', action: 'remote', target: 'u-1', args: { command: 'TITRATE dose=20' } },
          { at: '5m', action: 'remote', target: 'u-2', args: { command: 'TITRATE dose=20', signed: false } },
          // A higher dose from the network waits for a signal of intent at the pump.
          { at: '5m30s', action: 'confirm', target: 'u-1' },
        ],
      }),
    );
    const ok = commandsOf(trace, 'u-1').find((c) => c.source === 'gateway');
    expect(ok).toMatchObject({ auth: 'accepted', ok: true, command: 'TITRATE dose=20' });
    expect(ok!.tMs).toBeGreaterThanOrEqual(5 * MIN + 20);
    expect(pumpEvents(trace, 'u-1', 'REMOTE_PENDING')).toEqual([expect.objectContaining({ command: 'TITRATE dose=20' })]);
    expect(pumpEvents(trace, 'u-1', 'REMOTE_CONFIRMED')).toEqual([expect.objectContaining({ tMs: 5 * MIN + 30_000 })]);
    // 20 units/kg/h for 80 kg of heparin 25 000 units in 250 mL: 16 mL/h.
    expect(pumpEvents(trace, 'u-1', 'RATE').at(-1)?.rateMlPerH).toBe(16);
    expect(world.pump('u-1').pump.currentProgram?.rateMlPerH).toBe(16);

    const refused = commandsOf(trace, 'u-2').find((c) => c.source === 'gateway');
    expect(refused).toMatchObject({ auth: 'unsigned', ok: false, code: 'UNAUTHORIZED' });
    expect(pumpEvents(trace, 'u-2', 'REMOTE_REFUSED')).toEqual([expect.objectContaining({ verdict: 'unsigned', command: 'TITRATE dose=20', counter: 1 })]);
    expect(world.pump('u-2').pump.currentProgram?.rateMlPerH).toBe(HEPARIN_RATE);

    expect(result.network.commandsSent).toBe(2);
    expect(result.network.commandsRefused).toBe(1);
    // A change by the authenticated gateway is not a violation.
    expect(result.violations).toEqual([]);
  });

  it('a signed PAUSE from the gateway pauses the infusion without an interrupted-infusion violation', async () => {
    const { trace, result } = await runScenario(ward({ pumps: 1, timeline: [...infuse(), { at: '5m', action: 'remote', target: 'u-1', args: { command: 'PAUSE' } }] }));
    expect(stateAt(trace, 'u-1', 6 * MIN)).toBe('PAUSED');
    expect(result.violations).toEqual([]);
  });
});

describe('clock-skew', () => {
  it('a signed command reaching a pump whose clock is skewed past its expiry is refused as stale; within the expiry, or after the skew ends, it is accepted', async () => {
    const { trace, result } = await runScenario(
      ward({
        pumps: 3,
        timeline: [
          ...infuse(),
          { at: '4m', fault: 'clock-skew', target: 'u-1', args: { ms: 60_000 }, end: '8m' },
          { at: '4m', fault: 'clock-skew', target: 'u-2', args: { ms: 10_000 }, end: '8m' },
          { at: '4m', fault: 'clock-skew', target: 'u-3', args: { ms: -60_000 }, end: '8m' },
          { at: '5m', action: 'remote', target: 'all', args: { command: 'TITRATE dose=20' } },
          { at: '10m', action: 'remote', target: 'u-1', args: { command: 'TITRATE dose=22' } },
        ],
      }),
    );
    const remote = (id: string) => commandsOf(trace, id).filter((c) => c.source === 'gateway').map((c) => [c.command, c.auth, c.ok]);
    expect(remote('u-1')).toEqual([
      ['TITRATE dose=20', 'stale', false],
      ['TITRATE dose=22', 'accepted', true],
    ]);
    expect(pumpEvents(trace, 'u-1', 'REMOTE_REFUSED').map((e) => e.verdict)).toEqual(['stale']);
    expect(remote('u-2')).toEqual([['TITRATE dose=20', 'accepted', true]]);
    expect(remote('u-3')).toEqual([['TITRATE dose=20', 'accepted', true]]);
    expect(result.violations).toEqual([]);
  });
});

describe('rogue-client', () => {
  it('unsigned, forged (forge: true) and replayed (replay: true) commands are each refused with its verdict in the trace; the therapy is unchanged', async () => {
    const { trace, world, result } = await runScenario(
      ward({
        pumps: 2,
        timeline: [
          ...infuse(),
          // The gateway titrates u-1 by a signed command: the rogue captures it for the replay.
          { at: '2m', action: 'remote', target: 'u-1', args: { command: 'TITRATE dose=20' } },
          { at: '2m10s', action: 'confirm', target: 'u-1' },
          { at: '10m', fault: 'rogue-client', target: 'u-1', args: { command: 'PAUSE' } },
          { at: '11m', fault: 'rogue-client', target: 'u-1', args: { command: 'STOP', forge: true } },
          { at: '12m', fault: 'rogue-client', target: 'u-1', args: { replay: true } },
        ],
        expect: [{ check: 'no-unauthorised-change' }, { check: 'commands-refused', min: 3 }],
      }),
    );
    const rogue = commandsOf(trace, 'u-1').filter((c) => c.source === 'rogue');
    expect(rogue.map((c) => [c.command, c.auth, c.ok, c.code])).toEqual([
      ['PAUSE', 'unsigned', false, 'UNAUTHORIZED'],
      ['STOP', 'bad-mac', false, 'UNAUTHORIZED'],
      ['TITRATE dose=20', 'replay', false, 'UNAUTHORIZED'],
    ]);
    expect(pumpEvents(trace, 'u-1', 'REMOTE_REFUSED').map((e) => e.verdict)).toEqual(['unsigned', 'bad-signature', 'replay']);
    // Each is logged as a line of the trace text too.
    const text = trace.toText();
    expect(text).toMatch(/cmd {2}u-1 from=rogue auth=unsigned PAUSE -> ERR UNAUTHORIZED/);
    expect(text).toMatch(/cmd {2}u-1 from=rogue auth=bad-mac STOP -> ERR UNAUTHORIZED/);
    expect(text).toMatch(/cmd {2}u-1 from=rogue auth=replay TITRATE dose=20 -> ERR UNAUTHORIZED/);
    expect(world.pump('u-1').pump.state).toBe('RUNNING');
    expect(world.pump('u-1').pump.currentProgram?.rateMlPerH).toBe(16);
    expect(commandsOf(trace, 'u-2').filter((c) => c.source === 'rogue')).toEqual([]);
    expect(result.network.commandsRefused).toBe(3);
    expect(result.violations).toEqual([]);
    expect(result.expectations.map((e) => e.passed)).toEqual([true, true]);
    expect(result.outcome).toBe('pass');
  });

  it('with every and end it repeats on every targeted pump; it reaches pumps on the segment even with the gateway down, but not a partitioned pump', async () => {
    const { trace, result } = await runScenario(
      ward({
        pumps: 3,
        duration: '40m',
        timeline: [
          ...infuse(),
          { at: '5m', fault: 'gateway-outage', end: '35m' },
          { at: '5m', fault: 'partition', target: 'u-3', end: '35m' },
          { at: '10m', fault: 'rogue-client', target: 'segment:s', args: { command: 'PAUSE' }, every: '5m', end: '30m' },
        ],
      }),
    );
    for (const id of ['u-1', 'u-2']) {
      expect(commandsOf(trace, id).filter((c) => c.source === 'rogue').map((c) => Math.floor(c.tMs / MIN))).toEqual([10, 15, 20, 25]);
    }
    expect(commandsOf(trace, 'u-3').filter((c) => c.source === 'rogue')).toEqual([]);
    expect(result.network.commandsRefused).toBe(8);
    expect(result.violations).toEqual([]);
  });

  it('a legacy-unauthenticated pump obeys the rogue client: violations no-unauthorised-change (and no-infusion-interrupted), outcome violation', async () => {
    const { trace, world, result } = await runScenario(
      ward({
        pumps: 1,
        groups: [{ type: 'lvp', count: 1, prefix: 'legacy', profile: 'legacy-unauthenticated', firmware: '0.9.2' }],
        outcome: 'violation',
        timeline: [
          ...infuse(),
          { at: '5m', fault: 'rogue-client', target: 'all', args: { command: 'TITRATE rate=25 override=1' } },
          { at: '10m', fault: 'rogue-client', target: 'firmware:0.9.2', args: { command: 'PAUSE' } },
        ],
        expect: [{ check: 'no-unauthorised-change' }],
      }),
    );
    expect(commandsOf(trace, 'legacy-1').filter((c) => c.source === 'rogue').map((c) => [c.command, c.auth, c.ok])).toEqual([
      ['TITRATE rate=25 override=1', 'accepted', true],
      ['PAUSE', 'accepted', true],
    ]);
    expect(world.pump('legacy-1').pump.state).toBe('PAUSED');
    // The secure pump refused the same command.
    expect(commandsOf(trace, 'u-1').filter((c) => c.source === 'rogue').map((c) => c.auth)).toEqual(['unsigned']);
    expect(world.pump('u-1').pump.currentProgram?.rateMlPerH).toBe(HEPARIN_RATE);

    const unauthorised = result.violations.filter((v) => v.rule === GLOBAL_RULES.unauthorised);
    expect(unauthorised.map((v) => [v.pumpId, Math.floor(v.tMs / MIN)])).toEqual([
      ['legacy-1', 5],
      ['legacy-1', 10],
    ]);
    expect(unauthorised[0]!.detail).toMatch(/TITRATE rate=25 override=1 from an unauthorised rogue client was accepted/);
    expect(unauthorised[0]!.context.some((l) => l.includes('VIOLATION no-unauthorised-change legacy-1'))).toBe(true);
    expect(result.violations.some((v) => v.rule === GLOBAL_RULES.infusionInterrupted && v.pumpId === 'legacy-1' && /rogue/.test(v.detail))).toBe(true);
    expect(result.expectations[0]).toMatchObject({ passed: false, detail: '2 violation(s)' });
    expect(result.outcome).toBe('violation');
    expect(result.exitCode).toBe(1);
  });
});
