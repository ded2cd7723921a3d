/**
 * Load and validate a drug library from parsed JSON. Every problem is reported with its path
 * (careAreas[0].drugs[1].limits.doseRate.upperSoft) and why; nothing half-loaded is returned.
 */
import { drugLibrarySchema, type CareArea, type DrugEntry, type DrugLibrary } from './schema.js';

export class DrugLibraryError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`drug library ${source} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DrugLibraryError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(top level)';
}

/** Validate parsed JSON as a drug library. `source` names the file in errors. */
export function parseDrugLibrary(data: unknown, source = 'library'): DrugLibrary {
  const result = drugLibrarySchema.safeParse(data);
  if (!result.success) {
    throw new DrugLibraryError(
      source,
      result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
    );
  }
  return result.data;
}

/** Parse JSON text then validate it; a JSON syntax error is reported like any other problem. */
export function parseDrugLibraryText(text: string, source = 'library'): DrugLibrary {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new DrugLibraryError(source, [`not valid JSON: ${(e as Error).message}`]);
  }
  return parseDrugLibrary(data, source);
}

export function findCareArea(lib: DrugLibrary, areaId: string): CareArea | undefined {
  return lib.careAreas.find((a) => a.id === areaId);
}

export function findDrug(area: CareArea, drugId: string): DrugEntry | undefined {
  return area.drugs.find((d) => d.id === drugId);
}
