/**
 * A run over MQTT replays from its seed: the same trace hash and the same result, although the
 * sockets deliver the messages of one instant in whatever order they please. The link proxy draws
 * from one random stream per pump and direction, and receivers hand each instant's messages over
 * in a fixed order once the barrier is reached (docs/mqtt.md, "Virtual time over a real broker").
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/harness/run/runScenario.js';
import { loadScenarioFile } from '../../../src/harness/scenario/load.js';
import { gatewayOutageTo4h } from '../../support/scenarioText.js';

async function twice(name: string) {
  const loaded = name === 'gateway-outage' ? gatewayOutageTo4h() : loadScenarioFile(`scenarios/${name}.yaml`);
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const run = await runScenario(loaded, { transport: { kind: 'mqtt' } });
    expect(run.mqtt!.stats.barrierTimeouts).toBe(0);
    const { wallMs: _wallMs, ...rest } = run.result;
    runs.push({ hash: run.result.traceHash, result: JSON.stringify(rest), record: run.gateway.record.map((e) => `${e.pumpId}#${e.seq}@${e.receivedMs}`).join(',') });
  }
  return runs;
}

describe('runs over MQTT replay from their seed (embedded broker)', () => {
  it.each(['gateway-outage', 'reconnect-storm'])('%s: same trace hash, same result, same ingest order twice', async (name) => {
    const [a, b] = await twice(name);
    expect(b!.hash).toBe(a!.hash);
    expect(b!.record).toBe(a!.record);
    expect(b!.result).toBe(a!.result);
  });
});
