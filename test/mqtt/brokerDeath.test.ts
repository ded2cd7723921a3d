/**
 * Issue 13, item 6: a killed aedes child (the broker in a child process) lost 45,501 messages
 * silently: the run ended, an expectation failed "not raised", and nothing said the broker died.
 * An unplanned broker death is now an event in the trace and in the report (terminal summary,
 * JSON, HTML), named as such, and the run starts the broker again and goes on: every event is
 * still ingested exactly once (the pumps' outboxes resend what the dead broker lost).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatMqttSummary } from '../../src/harness/mqtt/cliOptions.js';
import { ChildProcessBroker } from '../../src/harness/mqtt/childBroker.js';
import { formatJsonReport } from '../../src/harness/report/json.js';
import { renderHtmlReport } from '../../src/harness/report/html.js';
import { formatSummary } from '../../src/harness/report/summary.js';
import { runScenario } from '../../src/harness/run/runScenario.js';
import { World } from '../../src/harness/world/world.js';
import { infuse, MIN, ward } from '../harness/runner/helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('an unplanned death of the child-process broker', () => {
  it('is in the trace, the summary, the JSON and the HTML report; the broker is restarted and nothing is lost', async () => {
    // The child broker of the run, and a kill -9 of its process at 30 min of virtual time (from outside the run).
    const brokers: ChildProcessBroker[] = [];
    const start = ChildProcessBroker.prototype.start;
    vi.spyOn(ChildProcessBroker.prototype, 'start').mockImplementation(function (this: ChildProcessBroker, port?: number) {
      if (!brokers.includes(this)) brokers.push(this);
      return start.call(this, port);
    });
    let scheduled = false;
    const addPump = World.prototype.addPump;
    vi.spyOn(World.prototype, 'addPump').mockImplementation(function (this: World, ...args: Parameters<World['addPump']>) {
      if (!scheduled) {
        scheduled = true;
        this.at(30 * MIN, () => {
          const pid = brokers[0]?.pid;
          if (pid !== undefined) process.kill(pid, 'SIGKILL');
        });
      }
      return addPump.apply(this, args);
    });
    const run = await runScenario(ward({ name: 'death', pumps: 4, duration: '1h', timeline: infuse() }), { transport: { kind: 'mqtt', brokerPlacement: 'child-process' } });
    const r = run.result;
    expect(brokers).toHaveLength(1);
    // The trace names it.
    const deaths = run.trace.records.filter((x) => x.kind === 'broker');
    expect(deaths).toHaveLength(1);
    expect(run.trace.toText()).toMatch(/BROKER DIED \(unplanned\) the broker's child process \(pid \d+\) was killed by SIGKILL/);
    // So does every report.
    expect(r.brokerDeaths).toHaveLength(1);
    expect(r.brokerDeaths?.[0]?.tMs).toBeGreaterThanOrEqual(30 * MIN);
    expect(formatSummary(r)).toMatch(/BROKER DIED \(unplanned\): 1 time\(s\); the run restarted it/);
    expect(JSON.parse(formatJsonReport(r)).brokerDeaths).toEqual([expect.objectContaining({ detail: expect.stringMatching(/killed by SIGKILL/) })]);
    expect(renderHtmlReport(r)).toMatch(/Broker died \(unplanned\): 1 time\(s\)/);
    expect(run.mqtt?.stats.brokerDeaths).toBe(1);
    expect(formatMqttSummary(run.mqtt!)).toMatch(/BROKER DIED \(unplanned\) 1 time\(s\), restarted/);
    expect(run.mqtt?.log.some((l) => l.startsWith('broker restarted after its death'))).toBe(true);
    // The run went on: the broker came back and every event reached the gateway exactly once.
    expect(r.network.eventsIngested).toBe(r.network.eventsSent);
    expect(r.network.eventsMissing).toBe(0);
    expect(r.violations.filter((v) => v.rule === 'events-exactly-once')).toEqual([]);
  }, 120_000);
});
