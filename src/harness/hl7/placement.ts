/**
 * Where each pump is and whose it is, for PID and PV1 (docs/hl7.md, "Patients and beds"): the
 * scenario's `beds:` of a unit (docs/scenarios.md) place pumps at named beds with their patient;
 * a pump at no listed bed sits in bed n of its unit (its place in the unit's pump list, from 1),
 * with patient `P-<unit>-<n>`.
 */
import type { FleetPump } from '../scenario/fleet.js';
import type { Scenario } from '../scenario/schema.js';

export interface Place {
  unit: string;
  bed: string;
  patientId: string;
  /** PID-5 as family^given, when the scenario names the patient. */
  patientName?: string | undefined;
  weightKg?: number | undefined;
}

export function placeFleet(_s: Scenario, fleet: readonly FleetPump[]): Map<string, Place> {
  const out = new Map<string, Place>();
  const listed = new Map<string, Place>();
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
