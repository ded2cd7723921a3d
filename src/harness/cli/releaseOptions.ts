/**
 * Option parsers and error wording of the signing tools: a bad value is refused by commander with
 * the option's name, the value and why, in one line (exit 2), before any file is read or written.
 */
import { InvalidArgumentError } from 'commander';
import type { z } from 'zod';
import { isVersion } from '../../sim/firmware/version.js';

export function parseSequence(text: string): number {
  if (!/^\d{1,15}$/.test(text) || !Number.isSafeInteger(Number(text))) throw new InvalidArgumentError(`the release counter is a whole number from 0 up, got "${text}"`);
  return Number(text);
}

export function parseVersionOption(text: string): string {
  if (!isVersion(text)) throw new InvalidArgumentError(`a version is MAJOR.MINOR.PATCH with numbers of up to 6 digits (e.g. 2.1.0), got "${text}"`);
  return text;
}

export function parseSizeBytes(text: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new InvalidArgumentError(`the image size is a whole number of bytes, got "${text}"`);
  return Number(text);
}

const MODELS = ['lvp', 'syringe'] as const;
export type Model = (typeof MODELS)[number];

export function parseModels(text: string): Model[] {
  const out: Model[] = [];
  for (const m of text.split(',')) {
    if (!(MODELS as readonly string[]).includes(m)) throw new InvalidArgumentError(`each model is one of ${MODELS.join(', ')} (comma-separated), got "${m}"`);
    if (!out.includes(m as Model)) out.push(m as Model);
  }
  return out;
}

/** zod issues as one line: `field.path: why; other: why`. */
export function issuesLine(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(top level)'}: ${i.message}`).join('; ');
}

/** The top of a JSON document the tools read must be an object; say what it is otherwise. */
export function requireObject(data: unknown, path: string, what: string): Record<string, unknown> {
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) return data as Record<string, unknown>;
  const got = data === null ? 'null' : Array.isArray(data) ? 'a list' : `a ${typeof data}`;
  throw new Error(`${path}: ${what} file is a JSON object ${what === 'a firmware manifest' ? '{"manifest": {...}, "signature": "..."}' : '{...}'}; got ${got}`);
}
