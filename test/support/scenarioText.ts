/** Pieces of scenario YAML that several tests write the same way. */
import { readFileSync } from 'node:fs';
import { parseScenarioText, type LoadedScenario } from '../../src/harness/scenario/load.js';

/**
 * A `site:` section with one segment and one unit on it; `unitLines` are the unit's other keys
 * (`pumps: [...]`, `nurse: ...`), one a line, indented under the unit by this function.
 */
export function oneUnitSite(unit: { id: string; careArea: string; segment: string }, unitLines: readonly string[]): string {
  return ['site:', `  segments: [{ id: ${unit.segment} }]`, '  units:', `    - id: ${unit.id}`, `      careArea: ${unit.careArea}`, `      segment: ${unit.segment}`, ...unitLines.map((l) => `      ${l}`)].join('\n');
}

/**
 * A site with one segment, `seg-ward`, and one medsurg unit, `ward`, holding these pump groups
 * (each a YAML flow map, such as `{ type: lvp, count: 2 }`), one line a group.
 */
export function oneWardSite(pumpGroups: readonly string[]): string {
  return oneUnitSite({ id: 'ward', careArea: 'medsurg', segment: 'seg-ward' }, ['pumps:', ...pumpGroups.map((g) => `  - ${g}`)]);
}

/**
 * A shipped scenario's text, changed for a test over MQTT, where every message costs CPU:
 * `duration` ends the run earlier, `telemetryEvery` sets the pumps' status period (inserted before
 * `timeline:`; the scenario must not set one). Each change is checked to have taken, so a reworded
 * scenario file fails here rather than running unchanged.
 */
export function shippedScenarioText(name: string, changes: { duration?: string; telemetryEvery?: string }): string {
  const file = `scenarios/${name}.yaml`;
  let text = readFileSync(file, 'utf8');
  if (changes.duration !== undefined) {
    const changed = text.replace(/^duration: .*$/m, `duration: ${changes.duration}`);
    if (changed === text) throw new Error(`${file}: no duration line to change`);
    text = changed;
  }
  if (changes.telemetryEvery !== undefined) {
    if (/^telemetryEvery:/m.test(text)) throw new Error(`${file} sets a telemetry period of its own`);
    const changed = text.replace(/^timeline:/m, `telemetryEvery: ${changes.telemetryEvery}\ntimeline:`);
    if (changed === text) throw new Error(`${file}: no timeline line to insert the telemetry period before`);
    text = changed;
  }
  return text;
}

/** shippedScenarioText, parsed (its errors name the shipped file). */
export function shippedScenario(name: string, changes: { duration?: string; telemetryEvery?: string }): LoadedScenario {
  return parseScenarioText(shippedScenarioText(name, changes), `scenarios/${name}.yaml`);
}

/**
 * gateway-outage as the tests over MQTT run it: to 4 h instead of 6 h. The gateway is down from 3 h
 * to 3 h 25 min; the alarms, the outboxes' drain and every expectation come before 4 h (in process
 * the shortened run passes all of them, exit 0, with 862 events sent against 1,157 to 6 h), and the
 * two hours left cost about a third of the run's messages.
 */
export const GATEWAY_OUTAGE_TO_4H = { duration: '4h' } as const;

export function gatewayOutageTo4h(): LoadedScenario {
  return shippedScenario('gateway-outage', GATEWAY_OUTAGE_TO_4H);
}
