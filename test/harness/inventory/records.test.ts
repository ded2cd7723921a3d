/** The hospital's records CSV and the drift report (docs/inventory.md#records). */
import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv } from '../../../src/harness/scenario/csv.js';
import { parseRecords } from '../../../src/harness/scenario/inventoryRecords.js';
import { driftOf } from '../../../src/harness/inventory/drift.js';
import { inventoryCsv, parseInventoryCsv } from '../../../src/harness/inventory/format.js';
import type { Inventory, InventoryRow } from '../../../src/harness/inventory/inventory.js';

const HEADER = 'pump_id,type,firmware,unit\r\n';

function row(pumpId: string, firmware: string, unit: string, lastSeenMs: number | undefined): InventoryRow {
  return { pumpId, serial: pumpId, type: 'lvp', model: 'infusim LVP', firmware, otherSlot: '-', library: '-', unit, location: unit, segment: 's', owner: 'it', supportStatus: 'supported', endOfSupport: '2029-06-30', componentsPastSupport: [], sbom: 'unsigned', credentials: 'current', profile: 'secure', lastSeenMs, use: 'idle', offReason: '', drug: '-' };
}

describe('hospital records CSV', () => {
  it('reads quoted fields, CRLF and LF', () => {
    const r = parseCsv('a,b\n"x, ""y""",2\r\n', 'f.csv', ['a', 'b']);
    expect(r.records).toEqual([{ line: 2, fields: { a: 'x, "y"', b: '2' } }]);
  });

  it.each([
    ['a record with a missing field', `${HEADER}icu-1,lvp,1.0.0\n`, 'r.csv:2: 3 fields; expected 4 (pump_id,type,firmware,unit)'],
    ['a version that is not MAJOR.MINOR.PATCH', `${HEADER}icu-1,lvp,1.0.0,icu\nicu-2,lvp,1.0,icu\n`, 'r.csv:3: column "firmware": expected a version MAJOR.MINOR.PATCH, got "1.0"'],
    ['an unknown pump type', `${HEADER}icu-1,pca,1.0.0,icu\n`, 'r.csv:2: column "type": expected lvp or syringe, got "pca"'],
    ['a pump recorded twice', `${HEADER}icu-1,lvp,1.0.0,icu\nicu-1,lvp,1.0.0,icu\n`, 'r.csv:3: column "pump_id": icu-1 is already recorded at line 2; expected one record per pump'],
    ['a header without a needed column', 'pump_id,type,unit\nicu-1,lvp,icu\n', 'r.csv:1: the header lacks "firmware"; expected columns pump_id,type,firmware,unit'],
    ['an unclosed quote', `${HEADER}"icu-1,lvp,1.0.0,icu\n`, 'r.csv:2: a quoted field is not closed'],
  ])('refuses %s with file:line and what was expected', (_what, text, message) => {
    expect(() => parseRecords(text, 'r.csv')).toThrow(CsvError);
    expect(() => parseRecords(text, 'r.csv')).toThrow(message);
  });

  it('reports drift: recorded never seen, seen not recorded, versions and units that differ', () => {
    const records = parseRecords(`${HEADER}icu-1,lvp,1.0.0,icu\nicu-2,lvp,0.9.2,icu\nicu-9,lvp,1.0.0,icu\nward-1,lvp,1.0.0,icu\nward-2,lvp,1.0.0,ward\n`, 'r.csv');
    const inv: Inventory = { tMs: 0, date: '2026-12-01', unknown: [], pumps: [row('icu-1', '1.0.0', 'icu', 5), row('icu-2', '1.1.0', 'icu', 5), row('ward-1', '1.0.0', 'ward', 5), row('ward-2', '1.0.0', 'ward', undefined), row('ward-3', '1.0.0', 'ward', 7)] };
    expect(driftOf(records, inv)).toEqual({
      recordedNeverSeen: [
        { pumpId: 'icu-9', line: 4, unit: 'icu' },
        { pumpId: 'ward-2', line: 6, unit: 'ward' },
      ],
      seenNotRecorded: [{ pumpId: 'ward-3', unit: 'ward', firmware: '1.0.0' }],
      versionsDiffer: [{ pumpId: 'icu-2', recorded: '0.9.2', reported: '1.1.0' }],
      unitsDiffer: [{ pumpId: 'ward-1', recorded: 'icu', actual: 'ward' }],
    });
  });

  it('reads back the CSV it writes, a last-seen time with fractions of a ms included', () => {
    const inv: Inventory = { tMs: 0, date: '2026-12-01', unknown: [], pumps: [row('icu-1', '1.0.0', 'icu', 3578472.6604564004), row('icu-2', '0.9.2', 'icu', undefined)] };
    const back = parseInventoryCsv(inventoryCsv(inv), 'i.csv');
    expect(back.map((r) => [r.pumpId, r.firmware, r.lastSeenMs])).toEqual([
      ['icu-1', '1.0.0', 3578473],
      ['icu-2', '0.9.2', undefined],
    ]);
  });

  it('refuses a bad inventory CSV record (advisory match --inventory) with file:line and the column', () => {
    const head = 'pump_id,type,firmware,unit,profile,use,drug\n';
    expect(parseInventoryCsv(`${head}icu-1,lvp,1.0.0,icu,secure,in-use,heparin\n`, 'i.csv')[0]).toMatchObject({ pumpId: 'icu-1', use: 'in-use', drug: 'heparin' });
    expect(() => parseInventoryCsv(`${head}icu-1,lvp,1.0.0,icu,secure,busy,-\n`, 'i.csv')).toThrow('i.csv:2: column "use": expected in-use, idle, off-network, got "busy"');
  });
});
