/** Where the package's own files are, from src/ (tsx, vitest) or dist/ (installed). */
import { fileURLToPath } from 'node:url';
import { parseDrugLibraryText } from '../sim/druglib/load.js';
import type { DrugLibrary } from '../sim/druglib/schema.js';
import { readBoundedFile } from './readBoundedFile.js';
import { MAX_REFERENCED_FILE_BYTES } from './scenario/limits.js';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_LIBRARY_PATH = fileURLToPath(new URL('../../scenarios/druglib/general-hospital.json', import.meta.url));

/** Read and validate a drug library file; errors name the file and the path inside it. */
export function loadLibraryFile(path: string = DEFAULT_LIBRARY_PATH): DrugLibrary {
  let text: string;
  try {
    text = readBoundedFile(path, MAX_REFERENCED_FILE_BYTES, 'drug library file');
  } catch (e) {
    throw new Error(`cannot read drug library ${path}: ${(e as Error).message}`);
  }
  return parseDrugLibraryText(text, path);
}
