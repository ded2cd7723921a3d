/**
 * Issue 13, item 6: a killed aedes child (the broker in a child process) lost 45,501 messages
 * silently: the run ended, an expectation failed "not raised", and nothing said the broker died.
 * An unplanned broker death is now an event in the trace and in the report (terminal summary,
 * JSON, HTML), named as such, and the run starts the broker again and goes on: every event is
 * still ingested exactly once (the pumps' outboxes resend what the dead broker lost).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatMqttSummary } from '../../../src/harness/cli/mqttOptions.js';
import { ChildProcessBroker } from '../../../src/harness/broker/childProcessBroker.js';
import { MosquittoProcess, startMosquittoForRun } from '../../../src/harness/broker/mosquitto.js';
import type { MqttTransport } from '../../../src/harness/mqttlink/transport.js';
import { formatJsonReport } from '../../../src/harness/report/json.js';
import { renderHtmlReport } from '../../../src/harness/report/html.js';
import { formatSummary } from '../../../src/harness/report/summary.js';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { World } from '../../../src/harness/world/world.js';
import { infuse, MIN, pumpEvents, ward } from '../run/helpers.js';
import { mosquittoBin } from './targets.js';

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

/**
 * The broker of the run (whichever it is) killed from outside at `atMs` of virtual time: `pid`
 * names its process once the run has started it.
 */
function killFromOutsideAt(atMs: number, pid: () => number | undefined): void {
  let scheduled = false;
  const addPump = World.prototype.addPump;
  vi.spyOn(World.prototype, 'addPump').mockImplementation(function (this: World, ...args: Parameters<World['addPump']>) {
    if (!scheduled) {
      scheduled = true;
      this.at(atMs, () => {
        const p = pid();
        if (p !== undefined) process.kill(p, 'SIGKILL');
      });
    }
    return addPump.apply(this, args);
  });
}

/**
 * A run's mosquitto killed by SIGKILL from outside (by hand, at 00:20) left COMM_LOST active on 23
 * of 40 pumps of gateway-outage for the rest of the run, and the planned outage at 3 h raised
 * nothing new. startMosquittoForRun restarts mosquitto itself at once; the clients reconnected to
 * it while the network still waited for the messages the dead broker had lost, and the network
 * then marked every connection not ready and waited for a connection that had already happened:
 * those clients stayed connected and subscribed, but the network dropped everything to and from
 * them until the next reconnection. Over both brokers a process can be killed from outside: after
 * the death every pump hears the gateway again (its COMM_LOST ends), and a planned gateway outage
 * later raises COMM_LOST on every pump again.
 */
describe('after an unplanned broker death and the restart', () => {
  const DEATH = 20 * MIN;
  const OUTAGE = 60 * MIN;
  const scenario = (name: string) =>
    ward({
      name,
      pumps: 6,
      duration: '1h30m',
      timeline: [...infuse(), { at: '1h', fault: 'gateway-outage', target: 'gateway', end: '1h10m' }],
      expect: [{ check: 'alarm', alarm: 'COMM_LOST', target: 'all', after: '1h', within: '5m' }],
    });

  const check = (run: Awaited<ReturnType<typeof runScenario>>): void => {
    const r = run.result;
    expect(r.brokerDeaths).toHaveLength(1);
    const pumpIds = [...new Set(run.trace.records.flatMap((x) => (x.kind === 'pump' ? [x.pumpId] : [])))];
    expect(pumpIds).toHaveLength(6);
    for (const id of pumpIds) {
      const raised = pumpEvents(run.trace, id, 'ALARM').filter((e) => e.id === 'COMM_LOST');
      const ended = pumpEvents(run.trace, id, 'ALARM_END').filter((e) => e.id === 'COMM_LOST');
      // Whatever the death raised has ended before the planned outage...
      const activeAtOutage = raised.filter((e) => e.tMs < OUTAGE).length - ended.filter((e) => e.tMs < OUTAGE).length;
      expect({ pump: id, activeAtOutage }).toEqual({ pump: id, activeAtOutage: 0 });
      // ...which raises it again, and it ends once the gateway is back.
      expect({ pump: id, raisedInOutage: raised.some((e) => e.tMs >= OUTAGE && e.tMs <= OUTAGE + 5 * MIN) }).toEqual({ pump: id, raisedInOutage: true });
      expect({ pump: id, endedAfterOutage: ended.some((e) => e.tMs > OUTAGE + 10 * MIN) }).toEqual({ pump: id, endedAfterOutage: true });
    }
    expect(r.expectations.map((e) => [e.description, e.passed, e.detail])).toEqual([[expect.stringMatching(/COMM_LOST/), true, expect.any(String)]]);
    expect(r.network.eventsIngested).toBe(r.network.eventsSent);
    expect(r.violations.filter((v) => v.rule === 'events-exactly-once')).toEqual([]);
  };

  it('the aedes child process: every pump hears the gateway again, and a planned outage raises COMM_LOST again', async () => {
    const brokers: ChildProcessBroker[] = [];
    const start = ChildProcessBroker.prototype.start;
    vi.spyOn(ChildProcessBroker.prototype, 'start').mockImplementation(function (this: ChildProcessBroker, port?: number) {
      if (!brokers.includes(this)) brokers.push(this);
      return start.call(this, port);
    });
    killFromOutsideAt(DEATH, () => brokers[0]?.pid);
    const run = await runScenario(scenario('death-aedes'), { transport: { kind: 'mqtt', brokerPlacement: 'child-process' } });
    expect(run.mqtt?.stats.brokerDeaths).toBe(1);
    check(run);
  }, 180_000);

  it.runIf(mosquittoBin !== undefined)('the run\'s mosquitto (--mosquitto), which restarts itself: every pump hears the gateway again, and a planned outage raises COMM_LOST again', async () => {
    const processes: MosquittoProcess[] = [];
    const startProcess = MosquittoProcess.prototype.startProcess;
    vi.spyOn(MosquittoProcess.prototype, 'startProcess').mockImplementation(function (this: MosquittoProcess) {
      if (!processes.includes(this)) processes.push(this);
      return startProcess.call(this);
    });
    killFromOutsideAt(DEATH, () => (processes[0] as unknown as { child?: { pid?: number } } | undefined)?.child?.pid);
    const transport: MqttTransport = { kind: 'mqtt', startBroker: (c) => startMosquittoForRun(c, { bin: mosquittoBin }), brokerName: 'mosquitto (child process)' };
    const run = await runScenario(scenario('death-mosquitto'), { transport });
    expect(run.mqtt?.stats.brokerDeaths).toBe(1);
    check(run);
    // The restart waited for the clients' reconnections, which came (none gave up after 15 s).
    expect(run.mqtt?.log.filter((l) => /not connected after/.test(l))).toEqual([]);
  }, 180_000);
});
