/**
 * Option parsers shared by the commands. Each throws commander's InvalidArgumentError with what is
 * wrong and what is allowed; commander prints it (`error: option '--x <n>' argument 'y' is
 * invalid. ...`) on stderr and main.ts exits 2.
 */
import { InvalidArgumentError } from 'commander';
import type { DrugLibrary } from '../../sim/druglib/schema.js';
import { PUMP_TYPES, type PumpType } from '../../sim/pump/pumpTypes.js';
import { ScenarioError } from '../scenario/load.js';

export function parseSeed(text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) throw new InvalidArgumentError(`seed must be an integer from 0 to 4294967295, got "${text}"`);
  return Number(text);
}

export function parsePositive(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0)) throw new InvalidArgumentError(`${what} must be a positive number, got "${text}"`);
  return n;
}

/** A whole number of milliseconds, 0 to 999,999,999. */
export function parseMs(text: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new InvalidArgumentError(`must be a whole number of ms from 0 to 999999999, got "${text}"`);
  return Number(text);
}

export function parseChoice<T extends string>(values: readonly T[], what: string): (text: string) => T {
  return (text) => {
    if (!(values as readonly string[]).includes(text)) throw new InvalidArgumentError(`${what} must be one of ${values.join(', ')}, got "${text}"`);
    return text as T;
  };
}

/** `--pump lvp|syringe`, from the pump type table. */
export const parsePumpId = parseChoice(Object.keys(PUMP_TYPES) as PumpType['id'][], '--pump');

/** Why `--area <id>` does not name a care area of the library, or undefined if it does. */
export function areaProblem(library: DrugLibrary, areaId: string): string | undefined {
  if (library.careAreas.some((a) => a.id === areaId)) return undefined;
  return `--area "${areaId}" is not a care area of ${library.name} ${library.version} (known: ${library.careAreas.map((a) => a.id).join(', ')})`;
}

/**
 * Load a scenario or training file; a broken file prints every problem (file:line:column) and
 * sets exit code 2, and the command stops (undefined).
 */
export function loadOrExit2<T>(load: (file: string) => T, file: string): T | undefined {
  try {
    return load(file);
  } catch (e) {
    if (e instanceof ScenarioError) {
      process.stderr.write(`${e.message}\n`);
      process.exitCode = 2;
      return undefined;
    }
    throw e;
  }
}
