import { InvalidArgumentError } from 'commander';

export function parseSeed(text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) throw new InvalidArgumentError(`seed must be an integer from 0 to 4294967295, got "${text}"`);
  return Number(text);
}

export function parsePositive(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0)) throw new InvalidArgumentError(`${what} must be a positive number, got "${text}"`);
  return n;
}
