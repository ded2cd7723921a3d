/**
 * `beds:` of a unit (docs/scenarios.md): pumps at named beds with their patient. What the loader
 * refuses is reported at the file, line and column of the offending text; a scenario without beds
 * keeps the default placement (bed n of the unit, patient P-<unit>-<n>, docs/hl7.md).
 */
import { describe, expect, it } from 'vitest';
import { placeFleet } from '../../../src/harness/scenario/beds.js';
import { fleetPumps } from '../../../src/harness/scenario/fleet.js';
import { parseScenarioText } from '../../../src/harness/scenario/load.js';
import { BASE, oneProblem } from './helpers.js';

/** BASE's icu unit with these beds. */
function withBeds(beds: string): string {
  const from = '          prefix: icu-syr\n';
  expect(BASE.includes(from)).toBe(true);
  return BASE.replace(from, `${from}      beds:\n${beds}`);
}

const GOOD = withBeds(['        - { id: 12A, pumps: [icu-1, icu-syr-1], patient: { id: MRN-1001, name: Doe^Jane, weightKg: 62.5 } }', '        - { id: 12B, pumps: [icu-2] }', ''].join('\n'));

describe('beds and patients', () => {
  it('place the listed pumps at their bed with their patient; the others keep bed n of their unit', () => {
    const s = parseScenarioText(GOOD, 'scenarios/beds.yaml').scenario;
    const places = placeFleet(s, fleetPumps(s));
    expect(places.get('icu-1')).toEqual({ unit: 'icu', bed: '12A', patientId: 'MRN-1001', patientName: 'Doe^Jane', weightKg: 62.5 });
    expect(places.get('icu-syr-1')).toEqual(places.get('icu-1'));
    expect(places.get('icu-2')).toEqual({ unit: 'icu', bed: '12B', patientId: 'P-icu-12B' });
    // icu-3 is the third pump of icu: bed 3; medsurg-4 the fourth of medsurg.
    expect(places.get('icu-3')).toEqual({ unit: 'icu', bed: '3', patientId: 'P-icu-3' });
    expect(places.get('medsurg-4')).toEqual({ unit: 'medsurg', bed: '4', patientId: 'P-medsurg-4' });
  });

  it('without beds, every pump is in bed n of its unit (as before)', () => {
    const s = parseScenarioText(BASE, 'scenarios/basic.yaml').scenario;
    const places = placeFleet(s, fleetPumps(s));
    expect(places.get('icu-syr-2')).toEqual({ unit: 'icu', bed: '6', patientId: 'P-icu-6' });
  });

  it('a pump of another unit, at file:line:column', () => {
    const text = withBeds('        - { id: 12A, pumps: [icu-1, medsurg-1] }\n');
    const p = oneProblem(text, 'medsurg-1] }');
    expect(p.message).toContain('pump "medsurg-1" is not a pump of unit icu');
  });

  it('a pump at two beds', () => {
    const text = withBeds('        - { id: 12A, pumps: [icu-1] }\n        - { id: 12B, pumps: [icu-1] }\n');
    expect(oneProblem(text, 'icu-1] }\n', '12B').message).toBe('pump icu-1 is already at bed "12A"');
  });

  it('a bed named as the default bed of a pump at no listed bed', () => {
    const text = withBeds('        - { id: "2", pumps: [icu-1] }\n');
    expect(oneProblem(text, '"2"').message).toContain('bed "2" is where pump icu-2 sits by default');
  });

  it('a patient at two beds', () => {
    const text = withBeds('        - { id: 12A, pumps: [icu-1], patient: { id: MRN-1 } }\n        - { id: 12B, pumps: [icu-2], patient: { id: MRN-1 } }\n');
    expect(oneProblem(text, 'MRN-1 }', '12B').message).toBe('patient "MRN-1" is at two beds: icu/12A and icu/12B');
  });

  it('a name with an HL7 delimiter: the schema says why', () => {
    const text = withBeds('        - { id: 12A, pumps: [icu-1], patient: { id: MRN-1, name: "Doe|Jane" } }\n');
    expect(oneProblem(text, '"Doe|Jane"').message).toContain('a name is Family or Family^Given');
  });
});
