/**
 * The hospital's own records of its pumps (a CSV the scenario names, docs/inventory.md#the-hospitals-records-and-drift)
 * and the drift between them and what the network shows: recorded but never seen, seen but not
 * recorded, and versions (or units) that differ.
 */
import { isVersion } from '../../sim/firmware/version.js';
import { CsvError, parseCsv } from './csv.js';

export const RECORD_COLUMNS = ['pump_id', 'type', 'firmware', 'unit'] as const;

export interface HospitalRecord {
  line: number;
  pumpId: string;
  type: 'lvp' | 'syringe';
  firmware: string;
  unit: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Parse the records file; any bad record refuses the whole file (CsvError with file:line and the column). */
export function parseRecords(text: string, file: string): HospitalRecord[] {
  const { records } = parseCsv(text, file, RECORD_COLUMNS);
  const seen = new Map<string, number>();
  return records.map(({ line, fields }) => {
    const bad = (col: string, expected: string): never => {
      throw new CsvError(`${file}:${line}: column "${col}": expected ${expected}, got ${JSON.stringify(fields[col])}`);
    };
    const pumpId = fields.pump_id!.trim();
    if (!ID.test(pumpId)) bad('pump_id', 'a pump id (letters, digits, . _ -)');
    const earlier = seen.get(pumpId);
    if (earlier !== undefined) throw new CsvError(`${file}:${line}: column "pump_id": ${pumpId} is already recorded at line ${earlier}; expected one record per pump`);
    seen.set(pumpId, line);
    const type = fields.type!.trim();
    if (type !== 'lvp' && type !== 'syringe') bad('type', 'lvp or syringe');
    const firmware = fields.firmware!.trim();
    if (!isVersion(firmware)) bad('firmware', 'a version MAJOR.MINOR.PATCH');
    const unit = fields.unit!.trim();
    if (unit === '') bad('unit', 'a unit id');
    return { line, pumpId, type: type as 'lvp' | 'syringe', firmware, unit };
  });
}
