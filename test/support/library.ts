/** The shipped example drug library (scenarios/druglib/general-hospital.json), read once for the tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDrugLibraryText } from '../../src/sim/druglib/load.js';
import type { DrugLibrary } from '../../src/sim/druglib/schema.js';

export const LIBRARY_PATH = fileURLToPath(new URL('../../scenarios/druglib/general-hospital.json', import.meta.url));
export const LIBRARY_TEXT = readFileSync(LIBRARY_PATH, 'utf8');

/** A fresh, parsed and validated copy of the library (a test may change it). */
export function library(): DrugLibrary {
  return parseDrugLibraryText(LIBRARY_TEXT, 'general-hospital.json');
}

/** A fresh deep copy of the library as plain JSON (for breaking it). */
export function libraryJson(): Record<string, unknown> {
  return JSON.parse(LIBRARY_TEXT) as Record<string, unknown>;
}
