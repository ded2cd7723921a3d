/**
 * Where each pump is and whose it is (PID and PV1 of HL7 messages, the patient of a PCD-03 order):
 * the `beds:` of a unit (docs/scenarios.md) place pumps at named beds with their patient; a pump
 * at no listed bed sits in bed n of its unit (its place in the unit's pump list, from 1), with
 * patient `P-<unit>-<n>`. checkBeds finds what the schema cannot: pumps that are not the unit's or
 * at two beds, beds and patients named twice (a listed one against a default one too).
 */
import type { FleetPump } from './fleet.js';
import type { Path } from './problems.js';
import type { ScenarioUnit } from './schema.js';

/** What placing pumps needs of a scenario: its units. */
export interface SiteUnits {
  site: { units: readonly ScenarioUnit[] };
}

export interface Place {
  unit: string;
  bed: string;
  patientId: string;
  /** PID-5 as family^given, when the scenario names the patient. */
  patientName?: string | undefined;
  weightKg?: number | undefined;
}

export function placeFleet(s: SiteUnits, fleet: readonly FleetPump[]): Map<string, Place> {
  const out = new Map<string, Place>();
  const listed = new Map<string, Place>();
  for (const u of s.site.units) {
    for (const b of u.beds ?? []) {
      const p = b.patient;
      const place: Place = { unit: u.id, bed: b.id, patientId: p?.id ?? `P-${u.id}-${b.id}`, ...(p?.name ? { patientName: p.name } : {}), ...(p?.weightKg !== undefined ? { weightKg: p.weightKg } : {}) };
      for (const pumpId of b.pumps) listed.set(pumpId, place);
    }
  }
  const perUnit = new Map<string, number>();
  for (const fp of fleet) {
    const n = (perUnit.get(fp.unit) ?? 0) + 1;
    perUnit.set(fp.unit, n);
    out.set(fp.id, listed.get(fp.id) ?? { unit: fp.unit, bed: String(n), patientId: `P-${fp.unit}-${n}` });
  }
  return out;
}

/** Each patient's place (the first pump's, when several pumps share a bed). */
export function patientsOf(places: ReadonlyMap<string, Place>): Map<string, Place> {
  const out = new Map<string, Place>();
  for (const p of places.values()) if (!out.has(p.patientId)) out.set(p.patientId, p);
  return out;
}

/** Problems of the units' `beds:` (the site already parsed): each with its path. */
export function checkBeds(s: SiteUnits, fleet: readonly FleetPump[], add: (path: Path, message: string) => void): void {
  const seenPatient = new Map<string, string>();
  s.site.units.forEach((u, i) => {
    const beds = u.beds;
    if (!beds) return;
    const unitPumps = fleet.filter((p) => p.unit === u.id).map((p) => p.id);
    const atBed = new Map<string, string>();
    const bedIds = new Set<string>();
    beds.forEach((b, j) => {
      const at: Path = ['site', 'units', i, 'beds', j];
      if (bedIds.has(b.id)) add([...at, 'id'], `bed "${b.id}" is listed twice in unit ${u.id}`);
      bedIds.add(b.id);
      b.pumps.forEach((pumpId, k) => {
        if (!unitPumps.includes(pumpId)) add([...at, 'pumps', k], `pump "${pumpId}" is not a pump of unit ${u.id} (its pumps: ${unitPumps.slice(0, 6).join(', ')}${unitPumps.length > 6 ? ', ...' : ''})`);
        else if (atBed.has(pumpId)) add([...at, 'pumps', k], `pump ${pumpId} is already at bed "${atBed.get(pumpId)}"`);
        else atBed.set(pumpId, b.id);
      });
    });
    // A pump at no listed bed keeps bed n: a listed bed may not take that name.
    unitPumps.forEach((pumpId, n) => {
      if (atBed.has(pumpId)) return;
      const j = beds.findIndex((b) => b.id === String(n + 1));
      if (j >= 0) add(['site', 'units', i, 'beds', j, 'id'], `bed "${n + 1}" is where pump ${pumpId} sits by default (it is at no listed bed): list ${pumpId} at a bed or name this bed otherwise`);
    });
  });
  // Patients: one bed each, across the site (defaults included).
  const places = placeFleet(s, fleet);
  for (const p of new Set(places.values())) {
    const where = `${p.unit}/${p.bed}`;
    const other = seenPatient.get(p.patientId);
    if (other !== undefined && other !== where) {
      const i = s.site.units.findIndex((u) => u.id === p.unit);
      const j = s.site.units[i]?.beds?.findIndex((b) => b.id === p.bed) ?? -1;
      add(j >= 0 ? ['site', 'units', i, 'beds', j, 'patient', 'id'] : ['site', 'units', i, 'id'], `patient "${p.patientId}" is at two beds: ${other} and ${where}`);
    } else seenPatient.set(p.patientId, where);
  }
}
