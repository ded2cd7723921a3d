/**
 * Reading a CSAF 2.0 advisory: a bounded file, JSON, then the CSAF basic validator of
 * @secvisogram/csaf-validator-lib (the strict JSON schema and the mandatory tests, OASIS CSAF 2.0
 * §6.1). A document that fails is refused with its file, the JSON path of the first bad field and
 * what was expected; nothing of it is used (docs/advisories.md).
 */
// validate.js, not validateStrict.js: the strict wrapper loads every optional and informative test
// (about 12 s of CPU) only to check that the tests given are the library's own. These are: the
// library's basic.js, passed as they are, never a function from input.
import validate from '@secvisogram/csaf-validator-lib/validate.js';
import * as basic from '@secvisogram/csaf-validator-lib/basic.js';
import { FileRefused, readBoundedFile } from '../readBoundedFile.js';
import { advisoryOf, ProductRangeError, type Advisory } from './model.js';

import { MAX_ADVISORY_FILE_BYTES } from '../scenario/inventoryLimits.js';

export class AdvisoryError extends Error {}

/** Line and column of a character offset in `text` (1-based). */
function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

/** Parse JSON; a syntax error names file:line:column. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    throw new AdvisoryError(`${file}${m ? `:${lineCol(text, Number(m[1]))}` : ''}: not valid JSON (${(e as Error).message})`);
  }
}

/** Validate a parsed document; the first error as `file: /json/pointer: message`. */
export async function validateCsaf(doc: unknown, file: string): Promise<Record<string, unknown>> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new AdvisoryError(`${file}: a CSAF document is a JSON object; got ${doc === null ? 'null' : Array.isArray(doc) ? 'a list' : `a ${typeof doc}`}`);
  const result = await validate(Object.values(basic), doc);
  if (!result.isValid) {
    const errors = result.tests.filter((t) => !t.isValid).flatMap((t) => t.errors.map((e) => ({ ...e, test: t.name })));
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    throw new AdvisoryError(`${file}: not a valid CSAF 2.0 document: ${first?.instancePath || '/'}: ${first?.message ?? 'invalid'} (${first?.test ?? 'validator'})${more}`);
  }
  return doc as Record<string, unknown>;
}

/** What infusim needs beyond CSAF itself: products named by CPE, and at least one vulnerability. */
function checkUsable(a: Advisory, file: string): void {
  if (a.vulnerabilities.length === 0) throw new AdvisoryError(`${file}: /vulnerabilities: expected at least one vulnerability to match`);
  if (a.products.size === 0) throw new AdvisoryError(`${file}: /product_tree: expected products with product_identification_helper.cpe (infusim matches pumps by CPE)`);
}

export async function loadAdvisory(path: string): Promise<Advisory> {
  let text: string;
  try {
    text = readBoundedFile(path, MAX_ADVISORY_FILE_BYTES, 'advisory');
  } catch (e) {
    if (e instanceof FileRefused) throw new AdvisoryError(`cannot read advisory ${path}: ${e.reason === 'missing' ? 'no such file' : `it ${e.message}`}`);
    throw e;
  }
  const doc = await validateCsaf(parseJsonText(text, path), path);
  let a: Advisory;
  try {
    a = advisoryOf(doc);
  } catch (e) {
    if (e instanceof ProductRangeError) throw new AdvisoryError(`${path}: ${e.path}: ${e.message}`);
    throw e;
  }
  checkUsable(a, path);
  return a;
}
