import { InvalidArgumentError } from 'commander';
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
