/**
 * Using infusim from your own test run: build a small fleet in code, inject a fault, run it in
 * virtual time, and assert on the safety checks and the trace. Run with `npx vitest run examples`.
 */
import { describe, expect, it } from 'vitest';
import { defineScenario, LARGE_VOLUME_PUMP, LineSession, loadLibraryFile, Pump, runScenario } from 'infusim';

describe('my integration rehearses a ward outage with infusim', () => {
  it('keeps every infusion running through a 30-minute partition and loses no event', async () => {
    const scenario = defineScenario({
      name: 'my-ward-outage',
      seed: 12345,
      duration: '3h',
      site: {
        name: 'Test hospital',
        segments: [{ id: 'seg-ward' }],
        units: [{ id: 'ward', careArea: 'medsurg', segment: 'seg-ward', pumps: [{ type: 'lvp', count: 10 }], patients: {} }],
      },
      timeline: [{ at: '1h', fault: 'partition', target: 'segment:seg-ward', end: '1h30m' }],
      expect: [{ check: 'no-infusion-interrupted' }, { check: 'events-exactly-once' }],
    });

    const { result, trace } = await runScenario(scenario);

    expect(result.outcome).toBe('pass');
    expect(result.violations).toEqual([]);
    expect(result.network.eventsMissing).toBe(0);
    // Every pump raised its communication alarm while cut off, and infused all along.
    const commLost = result.alarms.filter((a) => a.id === 'COMM_LOST' && a.raisedMs >= 3_600_000);
    expect(commLost.length).toBeGreaterThan(0);
    expect(trace.records.some((r) => r.kind === 'net' && r.what === 'link-down')).toBe(true);
    // The same seed gives the same trace.
    const again = await runScenario(scenario);
    expect(again.result.traceHash).toBe(result.traceHash);
  });

  it('drives one pump by hand, as a serial client would', () => {
    const pump = new Pump({ type: LARGE_VOLUME_PUMP, seed: 1, library: loadLibraryFile(), areaId: 'icu' });
    const session = new LineSession(pump);
    expect(session.feed('1 PROGRAM drug=heparin dose=18 weight=80 vtbi=250\n2 START\n3 TICK ms=3600000\n')).toContain('3 OK t=3600000');
    expect(pump.status()).toMatchObject({ state: 'RUNNING', rateMlPerH: 14.4 });
    expect(pump.status().viMl).toBeCloseTo(14.4, 6);
    // A dose past the hard limit is refused and changes nothing.
    expect(session.feed('4 TITRATE dose=50\n')).toEqual([expect.stringMatching(/^4 ERR HARD_LIMIT /)]);
    expect(pump.currentProgram?.rateMlPerH).toBe(14.4);
  });
});
