import type { DrugLibrary } from '../../src/sim/druglib/schema.js';
import { describe, expect, it } from 'vitest';
import { DrugLibraryError, findCareArea, findDrug, parseDrugLibrary, parseDrugLibraryText } from '../../src/sim/druglib/load.js';
import { LIBRARY_FORMAT } from '../../src/sim/druglib/schema.js';
import { Pump } from '../../src/sim/pump/pump.js';
import { LARGE_VOLUME_PUMP } from '../../src/sim/pump/pumpTypes.js';
import { errCode, library, libraryJson, LIBRARY_TEXT } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the tests break the JSON on purpose */
type Json = any;

function problemsOf(data: unknown): string[] {
  try {
    parseDrugLibrary(data, 'test.json');
  } catch (e) {
    expect(e).toBeInstanceOf(DrugLibraryError);
    const le = e as DrugLibraryError;
    expect(le.source).toBe('test.json');
    expect(le.message).toContain('test.json');
    for (const p of le.problems) expect(le.message).toContain(p);
    return le.problems;
  }
  throw new Error('the library was accepted');
}

function broken(edit: (lib: Json) => void): string[] {
  const lib: Json = libraryJson();
  edit(lib);
  return problemsOf(lib);
}

describe('drug library: a valid one loads', () => {
  it('loads the example library with its areas and drugs', () => {
    const lib = library();
    expect(lib.format).toBe(LIBRARY_FORMAT);
    expect(lib.name).toBe('General Hospital');
    expect(lib.careAreas.map((a) => a.id)).toEqual(['icu', 'medsurg', 'neonatal']);
    const icu = findCareArea(lib, 'icu');
    expect(icu).toBeDefined();
    const heparin = icu && findDrug(icu, 'heparin');
    expect(heparin?.doseUnit).toBe('units/kg/h');
    expect(heparin?.limits.doseRate).toEqual({ lowerHard: 2, lowerSoft: 10, upperSoft: 25, upperHard: 40 });
    expect(findCareArea(lib, 'nope')).toBeUndefined();
    expect(icu && findDrug(icu, 'potassium')).toBeUndefined();
  });

  it('parseDrugLibraryText gives the same as parse + validate', () => {
    expect(parseDrugLibraryText(LIBRARY_TEXT)).toEqual(parseDrugLibrary(JSON.parse(LIBRARY_TEXT)));
  });
});

describe('drug library: broken ones name the path and the reason', () => {
  it('limits out of order', () => {
    const p = broken((l) => {
      l.careAreas[0].drugs[0].limits.doseRate = { lowerHard: 2, lowerSoft: 10, upperSoft: 50, upperHard: 40 };
    });
    expect(p).toHaveLength(1);
    expect(p[0]).toContain('careAreas[0].drugs[0].limits.doseRate');
    expect(p[0]).toMatch(/upperHard \(40\) is below upperSoft \(50\)/);
  });

  it('a lower soft limit below the lower hard one', () => {
    const p = broken((l) => {
      l.careAreas[1].drugs[0].limits.doseRate.lowerSoft = 1;
    });
    expect(p.join('\n')).toContain('careAreas[1].drugs[0].limits.doseRate.lowerSoft');
  });

  it('a zero or negative limit', () => {
    const p = broken((l) => {
      l.careAreas[0].drugs[2].limits.vtbiMl.upperHard = 0;
    });
    expect(p.join('\n')).toContain('careAreas[0].drugs[2].limits.vtbiMl.upperHard');
  });

  it('an unknown dose unit', () => {
    const p = broken((l) => {
      l.careAreas[0].drugs[2].doseUnit = 'mcg/kg/sec';
    });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^careAreas\[0\]\.drugs\[2\]\.doseUnit: .*must end in \/min, \/h or \/24h/);
    const q = broken((l) => {
      l.careAreas[0].drugs[0].bolusUnit = 'ug/kg';
    });
    expect(q[0]).toMatch(/^careAreas\[0\]\.drugs\[0\]\.bolusUnit: .*unknown amount unit "ug"/);
    const r = broken((l) => {
      l.careAreas[0].drugs[0].concentration.unit = 'IU';
    });
    expect(r[0]).toContain('careAreas[0].drugs[0].concentration.unit');
  });

  it('duplicate drug ids and duplicate care area ids', () => {
    const p = broken((l) => {
      l.careAreas[0].drugs[1].id = 'heparin';
    });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^careAreas\[0\]\.drugs\[1\]\.id: drug id "heparin" appears twice in care area "icu"/);
    const q = broken((l) => {
      l.careAreas[2].id = 'icu';
    });
    expect(q[0]).toMatch(/^careAreas\[2\]\.id: care area id "icu" appears twice/);
  });

  it('missing fields', () => {
    const p = broken((l) => {
      delete l.careAreas[0].drugs[3].name;
      delete l.careAreas[1].drugs[0].limits.doseRate;
      delete l.version;
    });
    const all = p.join('\n');
    expect(all).toContain('careAreas[0].drugs[3].name');
    expect(all).toContain('careAreas[1].drugs[0].limits.doseRate');
    expect(all).toMatch(/^version: /m);
    expect(p.length).toBeGreaterThanOrEqual(3);
  });

  it('unknown fields, wrong format tag, empty areas, bolus limits without a bolus unit', () => {
    expect(broken((l) => (l.careAreas[0].drugs[0].colour = 'red')).join('\n')).toContain('careAreas[0].drugs[0]');
    expect(broken((l) => (l.format = 'infusim-druglib/2'))[0]).toMatch(/^format: /);
    expect(broken((l) => (l.careAreas[1].drugs = []))[0]).toMatch(/^careAreas\[1\]\.drugs: /);
    expect(broken((l) => delete l.careAreas[0].drugs[1].bolusUnit)[0]).toMatch(/^careAreas\[0\]\.drugs\[1\]\.bolusUnit: bolus dose limits need a bolusUnit/);
    expect(broken((l) => (l.careAreas[0].drugs[0].id = 'Heparin 5'))[0]).toMatch(/^careAreas\[0\]\.drugs\[0\]\.id: a drug id is/);
  });

  it('not an object at all', () => {
    expect(problemsOf(null)[0]).toMatch(/^\(top level\): /);
    expect(problemsOf([])[0]).toMatch(/^\(top level\): /);
  });

  it('bad JSON', () => {
    try {
      parseDrugLibraryText('{"format": "infusim-druglib/1",', 'bad.json');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DrugLibraryError);
      expect((e as DrugLibraryError).problems[0]).toMatch(/^not valid JSON: /);
      expect((e as Error).message).toContain('bad.json');
    }
  });

  // Regression: a library whose dose unit does not convert to its concentration used to load.
  it('a dose unit that does not convert to the concentration unit is refused', () => {
    const p = broken((l) => {
      l.careAreas[0].drugs[1].doseUnit = 'mg/h'; // insulin, concentration in units
    });
    expect(p[0]).toContain('careAreas[0].drugs[1].doseUnit');
  });

  it('a bolus unit that does not convert to the concentration unit is refused', () => {
    const p = broken((l) => {
      l.careAreas[0].drugs[0].bolusUnit = 'mg/kg'; // heparin, concentration in units
    });
    expect(p[0]).toContain('careAreas[0].drugs[0].bolusUnit');
  });

  // Defence in depth: even a library that skipped validation makes PROGRAM answer ERR, never throw.
  it('PROGRAM of a drug whose units do not convert answers ERR, never throws', () => {
    const lib: Json = libraryJson();
    lib.careAreas[0].drugs[1].doseUnit = 'mg/h';
    const pump = new Pump({ type: LARGE_VOLUME_PUMP, seed: 1, library: lib as unknown as DrugLibrary, areaId: 'icu' });
    const r = pump.execute({ cmd: 'PROGRAM', drugId: 'insulin', dose: 2, vtbiMl: 50 });
    expect(errCode(r)).toBeDefined();
  });
});
