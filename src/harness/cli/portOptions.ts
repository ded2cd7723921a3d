/**
 * Commander parsers for every port and host:port flag (one wording, from net/portText.ts): the
 * message names the flag, says what a valid value is and repeats what was given; commander then
 * exits 2.
 */
import { InvalidArgumentError } from 'commander';
import { portRule, readHostPort, readPort, type PortUse } from '../net/portText.js';

/** A parser for a port flag: `listen` ports may be 0 (any free port), `connect` ports may not. */
export function portOption(flag: string, use: PortUse): (text: string) => number {
  return (text) => {
    const port = readPort(text, use);
    if (port === undefined) throw new InvalidArgumentError(`${flag}: ${portRule(use)}, got "${text}"`);
    return port;
  };
}

/** A parser for a host:port flag naming what is at that address. */
export function hostPortOption(flag: string, what: string): (text: string) => { host: string; port: number } {
  return (text) => {
    const hp = readHostPort(text);
    if (!hp) throw new InvalidArgumentError(`${flag} takes host:port of ${what} (${portRule('connect')}), got "${text}"`);
    return hp;
  };
}
